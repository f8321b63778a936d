/* One-shot probe for the reliability tests (tests/deadlines.rs, tests/bad_input.rs): calls
 * cb_status_lookup() once per argument and prints one line per call:
 *
 *   code=<cb_last_error_code> name=<cb_status_name> ms=<elapsed> len=<strlen> text=<text>
 *
 * Special arguments: "%NULL" passes NULL; "%DIGITS<n>" / "%LETTERS<n>" pass a string of n
 * digits / letters (built here: argv cannot carry 1 MB); "%SHUTDOWN" calls cb_shutdown().
 * Any other argument is passed as is (so it may hold invalid UTF-8 or control characters).
 * The process environment configures the library (CBSTATUS_API_URL, CBSTATUS_TIMEOUT_MS). */
#define _POSIX_C_SOURCE 200809L
#include "cbstatus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static char *filled(const char *count, char fill) {
  size_t n = (size_t)strtoul(count, NULL, 10);
  char *s = malloc(n + 1);
  if (s == NULL) return NULL;
  memset(s, fill, n);
  s[n] = '\0';
  return s;
}

int main(int argc, char **argv) {
  int i;
  for (i = 1; i < argc; i++) {
    const char *arg = argv[i];
    char *owned = NULL;
    const char *number = arg;
    double started;
    char *text;
    int32_t code;
    size_t k, len;
    if (strcmp(arg, "%SHUTDOWN") == 0) {
      cb_shutdown();
      printf("shutdown\n");
      continue;
    }
    if (strcmp(arg, "%NULL") == 0) {
      number = NULL;
    } else if (strncmp(arg, "%DIGITS", 7) == 0) {
      owned = filled(arg + 7, '5');
      number = owned;
    } else if (strncmp(arg, "%LETTERS", 8) == 0) {
      owned = filled(arg + 8, 'x');
      number = owned;
    }
    started = now_ms();
    text = cb_status_lookup(number);
    code = cb_last_error_code();
    if (text == NULL) {
      printf("code=%d name=%s ms=%.0f len=-1 text=(null)\n", code, cb_status_name(code),
             now_ms() - started);
    } else {
      len = strlen(text);
      /* One line per call: a newline in the text would be a bug the test reports. */
      for (k = 0; k < len; k++) {
        if (text[k] == '\n' || text[k] == '\r') text[k] = '|';
      }
      printf("code=%d name=%s ms=%.0f len=%lu text=%s\n", code, cb_status_name(code),
             now_ms() - started, (unsigned long)len, text);
    }
    fflush(stdout);
    cb_string_free(text);
    free(owned);
  }
  cb_shutdown();
  return 0;
}
