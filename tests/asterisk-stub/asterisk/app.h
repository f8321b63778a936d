/* Stand-in for asterisk/app.h (see ../README.md): the argument-parsing macros, with the same
 * shape as Asterisk's (named char * fields overlaid on argv[]). */
#ifndef STUB_ASTERISK_APP_H
#define STUB_ASTERISK_APP_H

#include <stddef.h>

unsigned int __ast_app_separate_args(char *buf, char delim, int remove_chars, char **array,
	int arraylen);

#define AST_APP_ARG(name) char *name

#define AST_DECLARE_APP_ARGS(name, arglist) \
	struct { \
		unsigned int argc; \
		union { \
			char *argv[16]; \
			struct { \
				arglist \
			}; \
		}; \
	} name = { 0 }

#define AST_STANDARD_APP_ARGS(args, parse) \
	args.argc = __ast_app_separate_args(parse, ',', 1, args.argv, \
		((sizeof(args) - offsetof(__typeof__(args), argv)) / sizeof(args.argv[0])))

#endif
