/* The checks the C test programs share: each failed check prints its place and counts in
 * `failures`; a program exits non-zero when any failed. Include after cbstatus.h. */
#ifndef CBSTATUS_TEST_CHECK_H
#define CBSTATUS_TEST_CHECK_H

#include <stdio.h>

static int failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#define CHECK_CODE(expr, want)                                                 \
  do {                                                                         \
    int32_t got_ = (expr);                                                     \
    if (got_ != (want)) {                                                      \
      fprintf(stderr, "%s:%d: %s returned %d (%s), want %d (%s)\n", __FILE__,  \
              __LINE__, #expr, got_, cb_status_name(got_), (want),             \
              cb_status_name(want));                                           \
      failures++;                                                              \
    }                                                                          \
  } while (0)

#endif
