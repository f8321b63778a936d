/* Caller buffers (issue 10, class 10), run by tests/buffers.rs: cb_last_error_message() cut
 * into every buffer size from 1 to the full length + 1 always leaves valid UTF-8 (never half
 * a character), NUL-terminated, and returns the full length. The message holds two- and
 * three-byte characters because it quotes the (invalid) time zone it was given. */
#include "cbstatus.h"

#include "check.h"

#include <stdlib.h>
#include <string.h>

/* 1 if `s` is valid UTF-8 (well-formed sequences only, nothing cut). */
static int valid_utf8(const unsigned char *s) {
  while (*s) {
    int extra = (*s < 0x80) ? 0 : ((*s & 0xE0) == 0xC0) ? 1 : ((*s & 0xF0) == 0xE0) ? 2
              : ((*s & 0xF8) == 0xF0) ? 3 : -1;
    int i;
    if (extra < 0) return 0;
    for (i = 1; i <= extra; i++) {
      if ((s[i] & 0xC0) != 0x80) return 0;
    }
    s += extra + 1;
  }
  return 1;
}

int main(void) {
  cb_config *config = NULL;
  size_t full, len;
  char *whole;
  CHECK_CODE(cb_config_new(&config), CB_OK);
  /* "Éé€€/Zoné": not a zone; the error message quotes it. */
  CHECK_CODE(cb_config_set(config, "timezone", "\xC3\x89\xC3\xA9\xE2\x82\xAC\xE2\x82\xAC/Zon\xC3\xA9"),
             CB_E_INVALID_CONFIG);
  full = cb_last_error_message(NULL, 0);
  CHECK(full > 20);
  whole = malloc(full + 1);
  CHECK(whole != NULL);
  if (whole == NULL) return 1;
  CHECK(cb_last_error_message(whole, full + 1) == full);
  CHECK(strlen(whole) == full);
  CHECK(strstr(whole, "\xE2\x82\xAC") != NULL);
  CHECK(valid_utf8((const unsigned char *)whole));
  for (len = 1; len <= full + 1; len++) {
    char *buf = malloc(len + 1);
    size_t got;
    if (buf == NULL) return 1;
    buf[len] = 'X'; /* past the buffer: must stay untouched */
    got = cb_last_error_message(buf, len);
    CHECK(got == full);
    CHECK(strlen(buf) <= len - 1);
    CHECK(strncmp(buf, whole, strlen(buf)) == 0);
    if (!valid_utf8((const unsigned char *)buf)) {
      fprintf(stderr, "len %zu: cut inside a character: \"%s\"\n", len, buf);
      failures++;
    }
    /* At most 3 bytes short of the room given (one character of up to 4 bytes). */
    CHECK(strlen(buf) + 3 >= (len - 1 < full ? len - 1 : full));
    CHECK(buf[len] == 'X');
    free(buf);
  }
  free(whole);
  cb_config_free(config);
  if (failures) {
    fprintf(stderr, "%d buffer check(s) failed\n", failures);
    return 1;
  }
  printf("buffer checks passed\n");
  return 0;
}
