/* C harness for the cbstatus C API, run by tests/c_api.rs against the project's simulator.
 * CBSTATUS_API_URL points at the simulator; the demo scenario numbers are documented in
 * crates/cbstatus-sim. Exits 0 when every check passes, 1 otherwise (printing each failure). */
/* clock_gettime, nanosleep (the prefetch timing) under -std=c99. */
#define _POSIX_C_SOURCE 200809L
#include "cbstatus.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

static int contains(const char *haystack, const char *needle) {
  return haystack != NULL && strstr(haystack, needle) != NULL;
}

static void test_versions_and_codes(void) {
  int32_t code;
  CHECK(cb_version_number() == CB_VERSION_NUMBER);
  CHECK(strlen(cb_version()) >= 5);
  for (code = 0; code <= CB_E_BUSY; code++) {
    CHECK(cb_status_str(code) != NULL && strlen(cb_status_str(code)) > 0);
    CHECK(strcmp(cb_status_name(code), "unknown") != 0);
  }
  CHECK(strcmp(cb_status_name(CB_E_TIMEOUT), "timeout") == 0);
  CHECK(strcmp(cb_status_str(-1), "unknown status code") == 0);
  CHECK(strcmp(cb_status_str(9999), "unknown status code") == 0);
}

/* cb_config_keys(): a static NULL-terminated list, every name accepted by cb_config_set. */
static void test_config_keys(void) {
  const char *const *keys = cb_config_keys();
  const char *const *k;
  cb_config *config = NULL;
  size_t count = 0;
  int has_timeout = 0;
  CHECK(keys != NULL);
  CHECK(cb_config_keys() == keys);
  CHECK_CODE(cb_config_new(&config), CB_OK);
  for (k = keys; keys != NULL && *k != NULL; k++) {
    count++;
    has_timeout |= strcmp(*k, "timeout_ms") == 0;
    CHECK_CODE(cb_config_set(config, *k, ""), CB_OK); /* "" restores the default */
  }
  CHECK(count >= 24);
  CHECK(has_timeout);
  CHECK_CODE(cb_config_set(config, "no_such_key", ""), CB_E_INVALID_CONFIG);
  cb_config_free(config);
}

static void test_null_safety(void) {
  cb_config *config = NULL;
  cb_client *client = NULL;
  cb_result *result = NULL;
  char *text = NULL;
  char buf[8];

  CHECK_CODE(cb_config_new(NULL), CB_E_INVALID_ARGUMENT);
  CHECK(cb_last_error_code() == CB_E_INVALID_ARGUMENT);
  CHECK(cb_last_error_message(NULL, 0) > 0);
  CHECK_CODE(cb_config_from_env(NULL), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_config_set(NULL, "timeout_ms", "100"), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_config_load_file(NULL, "/nonexistent"), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_client_new(NULL, &client), CB_E_INVALID_ARGUMENT);
  CHECK(client == NULL);
  CHECK_CODE(cb_client_lookup(NULL, "+15551230001", &result), CB_E_INVALID_ARGUMENT);
  CHECK(result == NULL);
  CHECK_CODE(cb_result_render(NULL, CB_FORMAT_TEXT, NULL, &text), CB_E_INVALID_ARGUMENT);
  CHECK(text == NULL);
  CHECK_CODE(cb_result_error(NULL), CB_E_INVALID_ARGUMENT);
  CHECK(!cb_result_found(NULL));
  CHECK(cb_result_count(NULL) == 0);
  CHECK(cb_result_position(NULL) == -1);
  CHECK(cb_result_wait_seconds(NULL) == -1);
  CHECK(cb_result_estimated_for(NULL) == -1);
  CHECK(strcmp(cb_result_status(NULL), "") == 0);
  CHECK(strcmp(cb_result_type(NULL), "") == 0);
  CHECK(strcmp(cb_result_number(NULL), "") == 0);
  CHECK(strcmp(cb_result_error_message(NULL), "") == 0);
  CHECK_CODE(cb_client_prefetch(NULL, "+15551230001"), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_client_warm(NULL), CB_E_INVALID_ARGUMENT);
  cb_config_free(NULL);
  cb_client_free(NULL);
  cb_result_free(NULL);
  cb_string_free(NULL);

  CHECK_CODE(cb_config_new(&config), CB_OK);
  CHECK(cb_last_error_code() == CB_OK);
  CHECK(cb_last_error_message(buf, sizeof buf) == 0 && buf[0] == '\0');
  CHECK_CODE(cb_config_set(config, NULL, "1"), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_config_set(config, "timeout_ms", NULL), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_config_set(config, "timeout_ms", "\xff\xfe"), CB_E_INVALID_UTF8);
  CHECK_CODE(cb_config_set(config, "timeout_ms", "soon"), CB_E_INVALID_CONFIG);
  CHECK_CODE(cb_config_set(config, "no_such_key", "1"), CB_E_INVALID_CONFIG);
  CHECK_CODE(cb_config_set(config, "api_url", "http://example.com/api"), CB_E_INVALID_CONFIG);
  CHECK_CODE(cb_config_load_file(config, "/nonexistent/cbstatus.toml"), CB_E_INVALID_CONFIG);
  /* No api_url yet. */
  CHECK_CODE(cb_client_new(config, &client), CB_E_NOT_CONFIGURED);
  CHECK(client == NULL);
  CHECK_CODE(cb_client_new(config, NULL), CB_E_INVALID_ARGUMENT);
  cb_config_free(config);
}

static void test_last_error_buffer(void) {
  char small[6];
  char big[512];
  size_t needed;
  cb_config *config = NULL;
  CHECK_CODE(cb_config_new(&config), CB_OK);
  CHECK_CODE(cb_config_set(config, "timezone", "Mars/Olympus_Mons"), CB_E_INVALID_CONFIG);
  needed = cb_last_error_message(NULL, 0);
  CHECK(needed > sizeof small);
  memset(small, 'x', sizeof small);
  CHECK(cb_last_error_message(small, sizeof small) == needed);
  CHECK(small[sizeof small - 1] == '\0' && strlen(small) == sizeof small - 1);
  CHECK(cb_last_error_message(big, sizeof big) == needed);
  CHECK(strlen(big) == needed && contains(big, "Mars/Olympus_Mons"));
  /* Reading the error does not reset it. */
  CHECK(cb_last_error_code() == CB_E_INVALID_CONFIG);
  cb_config_free(config);
}

static void test_oneshot(void) {
  char *text;

  text = cb_status_lookup("+15551230001");
  CHECK(text != NULL && cb_last_error_code() == CB_OK);
  CHECK(contains(text, "4") && contains(text, "12 minutes"));
  cb_string_free(text);

  text = cb_status_lookup("(555) 123-0099");
  CHECK(text != NULL && cb_last_error_code() == CB_OK && strlen(text) > 0);
  cb_string_free(text);

  text = cb_status_lookup("5551230500"); /* the simulator answers 503 */
  CHECK(text != NULL && cb_last_error_code() == CB_E_HTTP_STATUS);
  CHECK(contains(text, "Sorry"));
  cb_string_free(text);

  text = cb_status_lookup("unknown");
  CHECK(text != NULL && cb_last_error_code() == CB_E_INVALID_NUMBER);
  cb_string_free(text);

  text = cb_status_lookup(NULL);
  CHECK(text != NULL && cb_last_error_code() == CB_E_INVALID_ARGUMENT);
  cb_string_free(text);

  text = cb_status_lookup("555\xff" "1230001");
  CHECK(text != NULL && cb_last_error_code() == CB_E_INVALID_UTF8);
  cb_string_free(text);

  cb_shutdown();
  cb_shutdown();
  /* A lookup after shutdown makes a new client. */
  text = cb_status_lookup("+15551230001");
  CHECK(text != NULL && cb_last_error_code() == CB_OK);
  cb_string_free(text);
}

static cb_client *make_client(void) {
  cb_config *config = NULL;
  cb_client *client = NULL;
  CHECK_CODE(cb_config_from_env(&config), CB_OK);
  CHECK_CODE(cb_config_set(config, "timeout_ms", "1500"), CB_OK);
  CHECK_CODE(cb_config_set(config, "CBSTATUS_TIMEZONE", "America/New_York"), CB_OK);
  /* Each fault below on its own: the 429's Retry-After would otherwise (rightly) open the
   * circuit breaker for the requests after it. */
  CHECK_CODE(cb_config_set(config, "breaker_threshold", "0"), CB_OK);
  CHECK_CODE(cb_client_new(config, &client), CB_OK);
  cb_config_free(config); /* the client keeps its own copy */
  return client;
}

static void test_handles(cb_client *client) {
  cb_result *result = NULL;
  char *out = NULL;

  CHECK_CODE(cb_client_lookup(client, "+1 (555) 123-0001", &result), CB_OK);
  CHECK(result != NULL);
  CHECK(cb_result_error(result) == CB_OK);
  CHECK(cb_result_found(result));
  CHECK(cb_result_count(result) == 1);
  CHECK(cb_result_position(result) == 4);
  CHECK(cb_result_wait_seconds(result) == 720);
  CHECK(cb_result_estimated_for(result) > 1700000000);
  CHECK(strcmp(cb_result_status(result), "waitlisted") == 0);
  CHECK(strcmp(cb_result_type(result), "asap") == 0);
  CHECK(strcmp(cb_result_number(result), "+15551230001") == 0);
  CHECK(strcmp(cb_result_error_message(result), "") == 0);

  CHECK_CODE(cb_result_render(result, CB_FORMAT_TEXT, NULL, &out), CB_OK);
  CHECK(contains(out, "12 minutes"));
  cb_string_free(out);
  out = NULL;
  CHECK_CODE(cb_result_render(result, CB_FORMAT_SSML, "en-US", &out), CB_OK);
  CHECK(contains(out, "<speak") && contains(out, "</speak>"));
  cb_string_free(out);
  out = NULL;
  CHECK_CODE(cb_result_render(result, CB_FORMAT_PROMPTS, NULL, &out), CB_OK);
  CHECK(out != NULL && strlen(out) > 0 && strchr(out, ' ') == NULL);
  cb_string_free(out);
  out = NULL;
  CHECK_CODE(cb_result_render(result, CB_FORMAT_JSON, NULL, &out), CB_OK);
  CHECK(contains(out, "\"position\":4") && contains(out, "\"result\":\"found\""));
  cb_string_free(out);
  out = NULL;
  CHECK_CODE(cb_result_render(result, CB_FORMAT_TEXT, "es-US", &out), CB_OK);
  CHECK(contains(out, "12 minutos"));
  cb_string_free(out);
  out = NULL;
  CHECK_CODE(cb_result_render(result, CB_FORMAT_TEXT, "xx-XX", &out), CB_E_UNKNOWN_LOCALE);
  CHECK(contains(out, "12 minutes"));
  cb_string_free(out);
  out = NULL;
  CHECK_CODE(cb_result_render(result, 42, NULL, &out), CB_E_INVALID_ARGUMENT);
  CHECK(out == NULL);
  CHECK_CODE(cb_result_render(result, CB_FORMAT_TEXT, NULL, NULL), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_result_render(result, CB_FORMAT_TEXT, "\xc3", &out), CB_E_INVALID_UTF8);
  CHECK(out == NULL);
  cb_result_free(result);

  /* Not found: answered, nothing to report. */
  result = NULL;
  CHECK_CODE(cb_client_lookup(client, "5551230099", &result), CB_OK);
  CHECK(result != NULL && !cb_result_found(result) && cb_result_count(result) == 0);
  CHECK(cb_result_position(result) == -1 && strcmp(cb_result_status(result), "") == 0);
  cb_result_free(result);

  /* Several callbacks. */
  result = NULL;
  CHECK_CODE(cb_client_lookup(client, "5551230007", &result), CB_OK);
  CHECK(result != NULL && cb_result_count(result) == 2);
  cb_result_free(result);

  /* Failures still give a result that renders the fallback. */
  result = NULL;
  CHECK_CODE(cb_client_lookup(client, "5551230500", &result), CB_E_HTTP_STATUS);
  CHECK(result != NULL && cb_result_error(result) == CB_E_HTTP_STATUS);
  CHECK(contains(cb_result_error_message(result), "503"));
  CHECK_CODE(cb_result_render(result, CB_FORMAT_TEXT, NULL, &out), CB_OK);
  CHECK(contains(out, "Sorry"));
  cb_string_free(out);
  out = NULL;
  cb_result_free(result);

  result = NULL;
  CHECK_CODE(cb_client_lookup(client, "5551230429", &result), CB_E_RATE_LIMITED);
  cb_result_free(result);
  result = NULL;
  CHECK_CODE(cb_client_lookup(client, "5551230666", &result), CB_E_MALFORMED_REPLY);
  cb_result_free(result);

  result = NULL;
  CHECK_CODE(cb_client_lookup(client, "anonymous", &result), CB_E_INVALID_NUMBER);
  CHECK(result != NULL && strcmp(cb_result_number(result), "") == 0);
  cb_result_free(result);
  result = NULL;
  CHECK_CODE(cb_client_lookup(client, NULL, &result), CB_E_INVALID_ARGUMENT);
  CHECK(result != NULL);
  cb_result_free(result);
  CHECK_CODE(cb_client_lookup(client, "5551230001", NULL), CB_E_INVALID_ARGUMENT);
}

#define THREADS 8
#define LOOKUPS_PER_THREAD 25

static void *lookup_thread(void *arg) {
  cb_client *client = (cb_client *)arg;
  long bad = 0;
  int i;
  for (i = 0; i < LOOKUPS_PER_THREAD; i++) {
    cb_result *result = NULL;
    const char *number = (i % 2 == 0) ? "5551230001" : "5551230099";
    if (cb_client_lookup(client, number, &result) != CB_OK) bad++;
    if (cb_result_found(result) != (i % 2 == 0)) bad++;
    cb_result_free(result);
  }
  return (void *)bad;
}

/* Prefetch while the "greeting plays": +15551230200 answers after 300 ms. */
static void test_prefetch(cb_client *client) {
  struct timespec t0, t1;
  cb_result *result = NULL;
  double ms;
  CHECK_CODE(cb_client_prefetch(client, NULL), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_client_prefetch(client, "anonymous"), CB_E_INVALID_NUMBER);
  CHECK_CODE(cb_client_warm(client), CB_OK);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CHECK_CODE(cb_client_prefetch(client, "5551230200"), CB_OK);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  CHECK(ms < 100.0);
  {
    struct timespec pause = {0, 600 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CHECK_CODE(cb_client_lookup(client, "+15551230200", &result), CB_OK);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  CHECK(cb_result_found(result));
  CHECK(ms < 100.0);
  cb_result_free(result);
}

static void test_threads(cb_client *client) {
  pthread_t threads[THREADS];
  int i;
  for (i = 0; i < THREADS; i++) {
    CHECK(pthread_create(&threads[i], NULL, lookup_thread, client) == 0);
  }
  for (i = 0; i < THREADS; i++) {
    void *bad = NULL;
    CHECK(pthread_join(threads[i], &bad) == 0);
    CHECK(bad == NULL);
  }
}

/* cb_client_stats_json: the counters of a fresh client by value, caller-owned JSON. */
static void test_stats(void) {
  cb_client *client = make_client();
  cb_result *result = NULL;
  char *json = (char *)"untouched";
  if (client == NULL) return;
  CHECK_CODE(cb_client_lookup(client, "+15551230001", &result), CB_OK);
  cb_result_free(result);
  CHECK_CODE(cb_client_lookup(client, "+15551230099", &result), CB_OK);
  cb_result_free(result);
  CHECK_CODE(cb_client_lookup(client, "+15551230500", &result), CB_E_HTTP_STATUS);
  cb_result_free(result);
  CHECK_CODE(cb_client_stats_json(client, &json), CB_OK);
  CHECK(contains(json, "\"status\":{\"error\":1,\"found\":1,\"not_found\":1}"));
  CHECK(contains(json, "\"http_status\":1"));
  CHECK(contains(json, "\"503\":1"));
  CHECK(contains(json, "\"breaker_open\":false"));
  CHECK(!contains(json, "5551230001"));
  cb_string_free(json);
  json = (char *)"untouched";
  CHECK_CODE(cb_client_stats_json(NULL, &json), CB_E_INVALID_ARGUMENT);
  CHECK(strcmp(json, "untouched") == 0);
  CHECK_CODE(cb_client_stats_json(client, NULL), CB_E_INVALID_ARGUMENT);
  cb_client_free(client);
}

/* The channel variables: NULL-safe, RESULT last, the single-field form agrees, the channel
 * language picks the locale. */
static void test_variables(cb_client *client) {
  cb_result *result = NULL;
  cb_variables *vars;
  char *value = (char *)"untouched";
  size_t i, n;

  CHECK(cb_result_variables(NULL, "en") == NULL);
  CHECK(cb_last_error_code() == CB_E_INVALID_ARGUMENT);
  CHECK(cb_variables_count(NULL) == 0);
  CHECK(cb_variables_name(NULL, 0) == NULL);
  CHECK(cb_variables_value(NULL, 0) == NULL);
  CHECK(strcmp(cb_variables_locale(NULL), "") == 0);
  cb_variables_free(NULL);
  CHECK_CODE(cb_result_variable(NULL, "text", NULL, &value), CB_E_INVALID_ARGUMENT);
  CHECK(strcmp(value, "untouched") == 0);

  CHECK_CODE(cb_client_lookup(client, "+15551230001", &result), CB_OK);
  CHECK_CODE(cb_result_variable(result, NULL, NULL, &value), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_result_variable(result, "text", NULL, NULL), CB_E_INVALID_ARGUMENT);
  CHECK_CODE(cb_result_variable(result, "nosuch", NULL, &value), CB_E_INVALID_ARGUMENT);
  CHECK(strcmp(value, "untouched") == 0);
  vars = cb_result_variables(result, "es_MX");
  CHECK(vars != NULL);
  n = cb_variables_count(vars);
  CHECK(n == 11);
  CHECK(strcmp(cb_variables_locale(vars), "es-US") == 0);
  CHECK(strcmp(cb_variables_name(vars, n - 1), "CBSTATUS_RESULT") == 0);
  CHECK(strcmp(cb_variables_value(vars, n - 1), "FOUND") == 0);
  CHECK(cb_variables_name(vars, n) == NULL && cb_variables_value(vars, n) == NULL);
  for (i = 0; i < n; i++) {
    const char *name = cb_variables_name(vars, i);
    CHECK(name != NULL && strncmp(name, "CBSTATUS_", 9) == 0);
    CHECK_CODE(cb_result_variable(result, name + 9, "es_MX", &value), CB_OK);
    CHECK(strcmp(value, cb_variables_value(vars, i)) == 0);
    cb_string_free(value);
  }
  CHECK_CODE(cb_result_variable(result, "CBSTATUS_TEXT", "es", &value), CB_OK);
  CHECK(contains(value, "número"));
  cb_string_free(value);
  CHECK_CODE(cb_result_variable(result, "widget_state", NULL, &value), CB_OK);
  CHECK(strcmp(value, "") == 0);
  cb_string_free(value);
  cb_variables_free(vars);
  /* A request that could not be made: the same list shape, the fallback, RESULT last. */
  CHECK(cb_failed_variables(99, CB_E_NOT_CONFIGURED, NULL) == NULL);
  CHECK(cb_last_error_code() == CB_E_INVALID_ARGUMENT);
  CHECK(cb_failed_variables(CB_ACTION_STATUS, CB_OK, NULL) == NULL);
  vars = cb_failed_variables(CB_ACTION_REGISTER, CB_E_NOT_CONFIGURED, "es");
  n = cb_variables_count(vars);
  CHECK(n == 13);
  CHECK(strcmp(cb_variables_name(vars, 0), "CBSTATUS_ERROR") == 0);
  CHECK(strcmp(cb_variables_value(vars, 0), "not_configured") == 0);
  CHECK(strcmp(cb_variables_name(vars, n - 1), "CBSTATUS_RESULT") == 0);
  CHECK(strcmp(cb_variables_value(vars, n - 1), "ERROR") == 0);
  CHECK(strcmp(cb_variables_locale(vars), "es-US") == 0);
  CHECK(strlen(cb_variables_value(vars, 1)) > 0); /* the fallback sentence */
  cb_variables_free(vars);
  vars = cb_result_variables(result, "\xff\xfe");
  CHECK(strcmp(cb_variables_locale(vars), "en-US") == 0);
  cb_variables_free(vars);
  cb_result_free(result);
}

int main(void) {
  cb_client *client;
  test_versions_and_codes();
  test_config_keys();
  test_null_safety();
  test_last_error_buffer();
  test_oneshot();
  client = make_client();
  if (client != NULL) {
    test_handles(client);
    test_prefetch(client);
    test_threads(client);
  }
  test_stats();
  if (client != NULL) {
    test_variables(client);
  }
  cb_client_free(client);
  cb_shutdown();
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all C API checks passed\n");
  return 0;
}
