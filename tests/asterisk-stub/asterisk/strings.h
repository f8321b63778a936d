/* Stand-in for asterisk/strings.h (see ../README.md): same semantics as Asterisk's. */
#ifndef STUB_ASTERISK_STRINGS_H
#define STUB_ASTERISK_STRINGS_H

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* True for NULL or "". */
static inline int ast_strlen_zero(const char *s)
{
	return !s || *s == '\0';
}

/* strncpy that always NUL-terminates and never pads: at most size - 1 bytes. */
static inline void ast_copy_string(char *dst, const char *src, size_t size)
{
	if (!size) {
		return;
	}
	while (*src && size > 1) {
		*dst++ = *src++;
		size--;
	}
	*dst = '\0';
}

#endif
