/* Stand-in for asterisk/pbx.h (see ../README.md): custom dialplan functions. */
#ifndef STUB_ASTERISK_PBX_H
#define STUB_ASTERISK_PBX_H

#include <stddef.h>

struct ast_channel;
struct ast_module;

typedef int (*ast_acf_read_fn_t)(struct ast_channel *chan, const char *function, char *data,
	char *buf, size_t len);

struct ast_custom_function {
	const char *name;
	ast_acf_read_fn_t read;
	size_t read_max;
	struct ast_module *mod;
};

int __ast_custom_function_register(struct ast_custom_function *acf, struct ast_module *mod);
int ast_custom_function_unregister(struct ast_custom_function *acf);

#define ast_custom_function_register(acf) __ast_custom_function_register(acf, AST_MODULE_SELF)

#endif
