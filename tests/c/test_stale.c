/* Issue 19, class 2 from C: after cb_client_cancel or cb_client_register of a number, no answer
 * obtained before it is given for that number; the next cb_client_lookup asks the API.
 *
 * Each URL is a tests/support/gated.rs API for NUMBER that holds the reply to the first status
 * request until a lookup of RELEASE arrives, and makes a cancel or register wait until that
 * status request is held: so "a lookup in flight during the change" happens in that order
 * whatever the scheduling. tests/c_stale.rs counts the status requests each API received.
 *
 * CB_PREFETCH_CANCEL_URL    booked: prefetch, cancel, release, lookup -> not found
 * CB_PREFETCH_REGISTER_URL  not booked: prefetch, register, release, lookup -> found
 * CB_RACE_CANCEL_URL        booked: a lookup on another thread, cancel, release, lookup ->
 *                           not found (the first thread's older answer is not put back) */
#include "cbstatus.h"
#include "check.h"

#include <pthread.h>
#include <stdlib.h>

#define NUMBER "+15551230004"
#define RELEASE "+15550009999"

static cb_client *client_for(const char *url) {
  cb_config *config = NULL;
  cb_client *client = NULL;
  CHECK_CODE(cb_config_new(&config), CB_OK);
  CHECK_CODE(cb_config_set(config, "api_url", url), CB_OK);
  CHECK_CODE(cb_config_set(config, "timeout_ms", "5000"), CB_OK);
  CHECK_CODE(cb_config_set(config, "widget_id", "w-1"), CB_OK);
  CHECK_CODE(cb_config_set(config, "cache_ttl_ms", "60000"), CB_OK);
  CHECK_CODE(cb_config_set(config, "not_found_ttl_ms", "60000"), CB_OK);
  CHECK_CODE(cb_config_set(config, "prefetch_ttl_ms", "60000"), CB_OK);
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

/* Look `number` up; returns whether it was found (CHECKs that the lookup answered). */
static int found(cb_client *client, const char *number) {
  cb_result *result = NULL;
  int is_found;
  CHECK_CODE(cb_client_lookup(client, number, &result), CB_OK);
  is_found = cb_result_found(result);
  cb_result_free(result);
  return is_found;
}

static void prefetch_then_cancel(void) {
  cb_client *client = client_for(url_of("CB_PREFETCH_CANCEL_URL"));
  cb_result *result = NULL;
  CHECK_CODE(cb_client_prefetch(client, NUMBER), CB_OK);
  CHECK_CODE(cb_client_cancel(client, NUMBER, &result), CB_OK);
  CHECK(cb_result_cancel_outcome(result) == CB_CANCEL_CANCELED);
  cb_result_free(result);
  found(client, RELEASE);
  CHECK(!found(client, NUMBER)); /* was: the prefetched "4th in line" */
  cb_client_free(client);
}

static void prefetch_then_register(void) {
  cb_client *client = client_for(url_of("CB_PREFETCH_REGISTER_URL"));
  cb_result *result = NULL;
  CHECK_CODE(cb_client_prefetch(client, NUMBER), CB_OK);
  CHECK_CODE(cb_client_register(client, NUMBER, NULL, 0, &result), CB_OK);
  CHECK(cb_result_register_outcome(result) == CB_REGISTER_REQUESTED);
  cb_result_free(result);
  found(client, RELEASE);
  CHECK(found(client, NUMBER)); /* was: the prefetched "not found" */
  cb_client_free(client);
}

static void *early_lookup(void *client) {
  /* Asked before the cancel: the answer of then (found) is right for this caller. */
  CHECK(found(client, NUMBER));
  return NULL;
}

static void lookup_in_flight_during_a_cancel(void) {
  cb_client *client = client_for(url_of("CB_RACE_CANCEL_URL"));
  cb_result *result = NULL;
  pthread_t early;
  CHECK(pthread_create(&early, NULL, early_lookup, client) == 0);
  CHECK_CODE(cb_client_cancel(client, NUMBER, &result), CB_OK);
  CHECK(cb_result_cancel_outcome(result) == CB_CANCEL_CANCELED);
  cb_result_free(result);
  found(client, RELEASE);
  CHECK(pthread_join(early, NULL) == 0);
  CHECK(!found(client, NUMBER)); /* was: the early lookup's answer, cached after the cancel */
  cb_client_free(client);
}

int main(void) {
  prefetch_then_cancel();
  prefetch_then_register();
  lookup_in_flight_during_a_cancel();
  if (failures) {
    fprintf(stderr, "%d C stale-answer checks failed\n", failures);
    return 1;
  }
  printf("all C stale-answer checks passed\n");
  return 0;
}
