/* The callback journey from C: widget time slots, cb_client_register for every outcome, and a
 * registration whose answer never comes (CBSTATUS_HANG_URL: a simulator whose widget takes
 * the POST and hangs): no outcome, spoken as unconfirmed. CBSTATUS_API_URL points at the demo
 * simulator (widget w-open with 3 time slots, w-closed; +15551230400 is InvalidContact). */
#include "cbstatus.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static cb_client *client_for(const char *url, const char *timeout_ms) {
  cb_config *config = NULL;
  cb_client *client = NULL;
  CHECK_CODE(cb_config_new(&config), CB_OK);
  CHECK_CODE(cb_config_set(config, "api_url", url), CB_OK);
  CHECK_CODE(cb_config_set(config, "timeout_ms", timeout_ms), CB_OK);
  CHECK_CODE(cb_config_set(config, "widget_id", "w-open"), CB_OK);
  CHECK_CODE(cb_config_set(config, "timezone", "America/New_York"), CB_OK);
  CHECK_CODE(cb_client_new(config, &client), CB_OK);
  cb_config_free(config);
  return client;
}

static char *text_of(const cb_result *result) {
  char *text = NULL;
  CHECK_CODE(cb_result_render(result, CB_FORMAT_TEXT, NULL, &text), CB_OK);
  return text;
}

static void expect_outcome(cb_client *client, const char *number, const char *widget,
                           int64_t at, int32_t outcome, const char *starts) {
  cb_result *result = NULL;
  char *text;
  CHECK_CODE(cb_client_register(client, number, widget, at, &result), CB_OK);
  CHECK(cb_result_action(result) == CB_ACTION_REGISTER);
  CHECK(cb_result_register_outcome(result) == outcome);
  text = text_of(result);
  if (text == NULL || strncmp(text, starts, strlen(starts)) != 0) {
    fprintf(stderr, "%s: got \"%s\", want \"%s...\"\n", number, text ? text : "(null)", starts);
    failures++;
  }
  if (outcome == CB_REGISTER_REQUESTED) {
    CHECK(strncmp(cb_result_callback_id(result), "cb-", 3) == 0);
  } else {
    CHECK(strcmp(cb_result_callback_id(result), "") == 0);
    CHECK(text != NULL && strstr(text, "We will call you back") == NULL);
  }
  cb_string_free(text);
  cb_result_free(result);
}

static void test_journey(const char *url) {
  cb_client *client = client_for(url, "1500");
  cb_result *widget = NULL;
  cb_result *status = NULL;
  int64_t slot;
  int64_t now = (int64_t)time(NULL);

  CHECK_CODE(cb_client_widget_status(client, NULL, &widget), CB_OK);
  CHECK(cb_result_timeslot_count(widget) == 3);
  CHECK(cb_result_offer_asap(widget) && cb_result_offer_scheduled(widget));
  CHECK(cb_result_timeslot(widget, 0) > now && cb_result_timeslot(widget, 0) < now + 7200);
  CHECK(cb_result_timeslot(widget, 0) < cb_result_timeslot(widget, 1));
  CHECK(cb_result_timeslot(widget, 3) == -1);
  slot = cb_result_timeslot(widget, 2);
  cb_result_free(widget);

  widget = NULL;
  CHECK_CODE(cb_client_offer(client, NULL, &widget), CB_OK);
  CHECK(cb_result_action(widget) == CB_ACTION_WIDGET);
  CHECK(cb_result_timeslot_count(widget) == 3);
  {
    char *offer = text_of(widget);
    CHECK(offer != NULL && strstr(offer, "For a callback as soon as possible, press 1.") != NULL);
    cb_string_free(offer);
  }
  cb_result_free(widget);
  CHECK_CODE(cb_client_offer(NULL, NULL, &widget), CB_E_INVALID_ARGUMENT);

  expect_outcome(client, "+15557771001", NULL, 0, CB_REGISTER_REQUESTED,
                 "Thank you. We will call you back at the number ending in 1 0 0 1 in about 10 minutes.");
  expect_outcome(client, "+15557771001", NULL, 0, CB_REGISTER_DUPLICATE,
                 "We already have your callback request.");
  expect_outcome(client, "+15557771002", NULL, slot, CB_REGISTER_REQUESTED,
                 "Thank you. We will call you back at the number ending in 1 0 0 2 ");
  expect_outcome(client, "+15557771003", "w-closed", 0, CB_REGISTER_REFUSED, "Sorry");
  expect_outcome(client, "+15551230400", NULL, 0, CB_REGISTER_INVALID_CONTACT, "Sorry");
  expect_outcome(client, "+15557771004", NULL, now - 60, CB_REGISTER_INVALID_TIME, "Sorry");
  expect_outcome(client, "+15557771005", NULL, slot + 60, CB_REGISTER_INVALID_TIME, "Sorry");

  /* The registration is a callback now. */
  CHECK_CODE(cb_client_lookup(client, "+15557771002", &status), CB_OK);
  CHECK(cb_result_found(status));
  CHECK(cb_result_estimated_for(status) == slot);
  CHECK(strcmp(cb_result_type(status), "scheduled") == 0);
  cb_result_free(status);

  /* Bad arguments: a result, nothing sent. */
  status = NULL;
  CHECK_CODE(cb_client_register(client, "+15557771006", NULL, -5, &status), CB_E_INVALID_ARGUMENT);
  CHECK(status != NULL && cb_result_register_outcome(status) == 0);
  cb_result_free(status);
  status = NULL;
  CHECK_CODE(cb_client_register(client, NULL, NULL, 0, &status), CB_E_INVALID_ARGUMENT);
  cb_result_free(status);
  CHECK_CODE(cb_client_register(NULL, "+15557771006", NULL, 0, &status), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_client_register(client, "+15557771006", NULL, 0, NULL), CB_E_INVALID_ARGUMENT);
  CHECK(cb_result_register_outcome(NULL) == 0);
  CHECK(strcmp(cb_result_callback_id(NULL), "") == 0);
  CHECK(cb_result_timeslot_count(NULL) == 0);
  CHECK(cb_result_timeslot(NULL, 0) == -1);
  cb_client_free(client);
}

static void test_lost_answer(const char *url) {
  cb_client *client = client_for(url, "400");
  cb_result *result = NULL;
  char *text;
  int32_t code = cb_client_register(client, "+15557772001", NULL, 0, &result);
  CHECK(code == CB_E_NO_REPLY);
  CHECK(result != NULL);
  CHECK(cb_result_register_outcome(result) == 0);
  text = text_of(result);
  CHECK(text != NULL && strcmp(text, "Sorry, we could not confirm your callback.") == 0);
  cb_string_free(text);
  cb_result_free(result);
  cb_client_free(client);
}

int main(void) {
  const char *url = getenv("CBSTATUS_API_URL");
  const char *hang = getenv("CBSTATUS_HANG_URL");
  if (url == NULL || hang == NULL) {
    fprintf(stderr, "set CBSTATUS_API_URL and CBSTATUS_HANG_URL\n");
    return 2;
  }
  test_journey(url);
  test_lost_answer(hang);
  cb_shutdown();
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all C register checks passed\n");
  return 0;
}
