/* Stand-in for Asterisk's asterisk.h (see README.md): the module-self symbol contract. */
#ifndef STUB_ASTERISK_H
#define STUB_ASTERISK_H

#include <stddef.h>

#if defined(AST_IN_CORE)
/* The loader itself (tests/asterisk-stub/host.c). */
#define AST_MODULE_SELF NULL
#elif defined(AST_MODULE_SELF_SYM)
struct ast_module;
/* Defined by AST_MODULE_INFO in the module. */
struct ast_module *AST_MODULE_SELF_SYM(void);
#define AST_MODULE_SELF AST_MODULE_SELF_SYM()
#else
#error "Externally compiled modules must declare AST_MODULE_SELF_SYM."
#endif

#endif
