/* Issue 19, class 5 from C: a request written whole and then left without a reply is
 * CB_E_NO_REPLY ("no_reply"), whose message says it may have been received; a request that
 * never left is CB_E_CONNECT. For a lookup, a register and a cancel.
 *
 * CB_CLOSES_URL   reads the whole request, then closes (FIN)
 * CB_RESETS_URL   reads the whole request, then resets (RST)
 * CB_SILENT_URL   reads the whole request, then says nothing until the deadline
 * CB_REFUSED_URL  nothing listens there */
#include "cbstatus.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define NUMBER "+15551230001"

static cb_client *client_for(const char *url) {
  cb_config *config = NULL;
  cb_client *client = NULL;
  CHECK_CODE(cb_config_new(&config), CB_OK);
  CHECK_CODE(cb_config_set(config, "api_url", url), CB_OK);
  CHECK_CODE(cb_config_set(config, "timeout_ms", "800"), CB_OK);
  CHECK_CODE(cb_config_set(config, "widget_id", "w-1"), CB_OK);
  CHECK_CODE(cb_config_set(config, "breaker_threshold", "0"), CB_OK);
  CHECK_CODE(cb_config_set(config, "prewarm", "off"), CB_OK);
  CHECK_CODE(cb_client_new(config, &client), CB_OK);
  cb_config_free(config);
  return client;
}

static const char *url_of(const char *name) {
  const char *url = getenv(name);
  if (url == NULL) {
    fprintf(stderr, "%s is not set\n", name);
    exit(2);
  }
  return url;
}

static char *text_of(const cb_result *result) {
  char *text = NULL;
  CHECK_CODE(cb_result_render(result, CB_FORMAT_TEXT, NULL, &text), CB_OK);
  return text;
}

/* The call just made returned `code` with `result`: check it is `want`, everywhere it shows. */
static void expect(const char *what, int32_t code, cb_result *result, int32_t want) {
  char message[512];
  int may_have = 0;
  if (code != want) {
    fprintf(stderr, "%s: got %d (%s), want %d (%s)\n", what, code, cb_status_name(code), want,
            cb_status_name(want));
    failures++;
  }
  CHECK(cb_last_error_code() == want);
  cb_last_error_message(message, sizeof message);
  may_have = strstr(message, "may have been received") != NULL;
  CHECK(may_have == (want == CB_E_NO_REPLY));
  CHECK(result != NULL && cb_result_error(result) == want);
  CHECK(strstr(cb_result_error_message(result), "may have been received") != NULL ||
        want != CB_E_NO_REPLY);
}

static void against(const char *name, int32_t want, const char *register_text) {
  cb_client *client = client_for(url_of(name));
  cb_result *result = NULL;
  char *text;
  int32_t code;

  code = cb_client_lookup(client, NUMBER, &result);
  expect(name, code, result, want);
  cb_result_free(result);

  result = NULL;
  code = cb_client_cancel(client, NUMBER, &result);
  expect(name, code, result, want);
  cb_result_free(result);

  result = NULL;
  code = cb_client_register(client, NUMBER, NULL, 0, &result);
  expect(name, code, result, want);
  CHECK(cb_result_register_outcome(result) == 0);
  text = text_of(result);
  if (text == NULL || strcmp(text, register_text) != 0) {
    fprintf(stderr, "%s: register says \"%s\", want \"%s\"\n", name, text ? text : "(null)",
            register_text);
    failures++;
  }
  cb_string_free(text);
  cb_result_free(result);
  cb_client_free(client);
}

int main(void) {
  const char *unconfirmed = "Sorry, we could not confirm your callback.";
  CHECK(CB_E_NO_REPLY == 19);
  CHECK(strcmp(cb_status_name(CB_E_NO_REPLY), "no_reply") == 0);
  CHECK(strstr(cb_status_str(CB_E_NO_REPLY), "may have been received") != NULL);
  against("CB_CLOSES_URL", CB_E_NO_REPLY, unconfirmed);
  against("CB_RESETS_URL", CB_E_NO_REPLY, unconfirmed);
  against("CB_SILENT_URL", CB_E_NO_REPLY, unconfirmed);
  against("CB_REFUSED_URL", CB_E_CONNECT, "Sorry, we could not register your callback right now.");
  if (failures) {
    fprintf(stderr, "%d C no_reply checks failed\n", failures);
    return 1;
  }
  printf("all C no_reply checks passed\n");
  return 0;
}
