/* Stand-in for asterisk/logger.h (see ../README.md): same macro shape as Asterisk's. */
#ifndef STUB_ASTERISK_LOGGER_H
#define STUB_ASTERISK_LOGGER_H

#define _A_ __FILE__, __LINE__, __func__
#define __LOG_DEBUG 0
#define __LOG_NOTICE 2
#define __LOG_WARNING 3
#define __LOG_ERROR 4
#define LOG_DEBUG __LOG_DEBUG, _A_
#define LOG_NOTICE __LOG_NOTICE, _A_
#define LOG_WARNING __LOG_WARNING, _A_
#define LOG_ERROR __LOG_ERROR, _A_

void ast_log(int level, const char *file, int line, const char *function, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#define ast_debug(level, ...) \
	do { \
		if ((level) <= 1) { \
			ast_log(LOG_DEBUG, __VA_ARGS__); \
		} \
	} while (0)

#endif
