/* Stand-in for asterisk/module.h (see ../README.md): the plain-C AST_MODULE_INFO of
 * Asterisk 16 and later, registering from a constructor. */
#ifndef STUB_ASTERISK_MODULE_H
#define STUB_ASTERISK_MODULE_H

#define ASTERISK_GPL_KEY "This paragraph is copyright (c) 2006 by Digium, Inc. (stand-in)"

enum ast_module_load_result {
	AST_MODULE_LOAD_SUCCESS = 0,
	AST_MODULE_LOAD_DECLINE = 1,
	AST_MODULE_LOAD_SKIP = 2,
	AST_MODULE_LOAD_PRIORITY = 3,
	AST_MODULE_LOAD_FAILURE = -1,
};

enum ast_module_flags {
	AST_MODFLAG_DEFAULT = 0,
	AST_MODFLAG_GLOBAL_SYMBOLS = (1 << 0),
	AST_MODFLAG_LOAD_ORDER = (1 << 1),
};

enum ast_module_support_level {
	AST_MODULE_SUPPORT_UNKNOWN,
	AST_MODULE_SUPPORT_CORE,
	AST_MODULE_SUPPORT_EXTENDED,
	AST_MODULE_SUPPORT_DEPRECATED,
};

#define AST_MODPRI_DEFAULT 128

struct ast_module;

struct ast_module_info {
	struct ast_module *self;
	enum ast_module_load_result (*load)(void);
	int (*reload)(void);
	int (*unload)(void);
	const char *name;
	const char *description;
	const char *key;
	unsigned int flags;
	unsigned char load_pri;
	enum ast_module_support_level support_level;
};

void ast_module_register(const struct ast_module_info *);
void ast_module_unregister(const struct ast_module_info *);

#if !defined(AST_IN_CORE)
static const __attribute__((unused)) struct ast_module_info *ast_module_info;
#endif

#define AST_MODULE_INFO(keystr, flags_to_set, desc, fields...) \
	static struct ast_module_info __mod_info = { \
		.name = AST_MODULE, \
		.flags = flags_to_set, \
		.description = desc, \
		.key = keystr, \
		fields \
	}; \
	static void __attribute__((constructor)) __reg_module(void) \
	{ \
		ast_module_register(&__mod_info); \
	} \
	static void __attribute__((destructor)) __unreg_module(void) \
	{ \
		ast_module_unregister(&__mod_info); \
	} \
	struct ast_module *AST_MODULE_SELF_SYM(void) \
	{ \
		return __mod_info.self; \
	} \
	static const struct ast_module_info *ast_module_info = &__mod_info

#define AST_MODULE_INFO_STANDARD(keystr, desc) \
	AST_MODULE_INFO(keystr, AST_MODFLAG_LOAD_ORDER, desc, \
		.load = load_module, \
		.unload = unload_module, \
		.load_pri = AST_MODPRI_DEFAULT, \
		.support_level = AST_MODULE_SUPPORT_CORE, \
	)

#endif
