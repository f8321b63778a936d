/* Proves the panic boundary from C (tests/panic_boundary.rs): built against a library made
 * with the `test-panic` feature, cb_test_panic() panics inside Rust; the call must return
 * CB_E_PANIC, record it as the thread's last error, and leave the process (and the library)
 * working. Prints "panic boundary held" and exits 0 when every check passes. */
#define CBSTATUS_TEST_PANIC 1
#include "cbstatus.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static void *panic_thread(void *arg) {
  long bad = 0;
  int i;
  (void)arg;
  for (i = 0; i < 20; i++) {
    if (cb_test_panic() != CB_E_PANIC) bad++;
    if (cb_last_error_code() != CB_E_PANIC) bad++;
  }
  return (void *)bad;
}

int main(void) {
  char message[512];
  size_t len;
  int i;
  cb_config *config = NULL;
  pthread_t threads[4];

  CHECK(cb_test_panic() == CB_E_PANIC);
  CHECK(cb_last_error_code() == CB_E_PANIC);
  len = cb_last_error_message(message, sizeof message);
  CHECK(len > 0 && strstr(message, "panic") != NULL);
  CHECK(strcmp(cb_status_name(cb_last_error_code()), "panic") == 0);

  /* The library still works after the panic, and the next call resets the last error. */
  CHECK(cb_config_new(&config) == CB_OK);
  CHECK(cb_last_error_code() == CB_OK);
  CHECK(cb_config_set(config, "timeout_ms", "750") == CB_OK);
  cb_config_free(config);

  /* Panics on several threads at once. */
  for (i = 0; i < 4; i++) CHECK(pthread_create(&threads[i], NULL, panic_thread, NULL) == 0);
  for (i = 0; i < 4; i++) {
    void *bad = NULL;
    CHECK(pthread_join(threads[i], &bad) == 0);
    CHECK(bad == NULL);
  }
  CHECK(cb_test_panic() == CB_E_PANIC);

  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("panic boundary held\n");
  return 0;
}
