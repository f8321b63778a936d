/* A stand-in for Asterisk's module loader and dialplan (see README.md), run by
 * tests/examples.rs:
 *
 *     host MODULE.so [[lang=LANG:][len=N:]ARGS ...]
 *
 * dlopen()s the module (its constructor calls ast_module_register), calls its load(), then
 * evaluates CBSTATUS(ARGS) for every argument: once in order, printing
 *     CBSTATUS(ARGS) rc=RC [VALUE]
 * and then all at once from one thread each, checking that every thread read the same values.
 * Finally unload() and dlclose(). Exit status 0 unless something misbehaved. */
#define AST_IN_CORE 1
#include "asterisk.h"
#include "asterisk/module.h"
#include "asterisk/pbx.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CALLS 32
#define BUF_SIZE 4096

struct ast_channel {
	const char *language;
};

static const struct ast_module_info *registered_module;
static struct ast_custom_function *registered_function;
static int unregistered;

/* --- what the module calls in Asterisk ------------------------------------------------- */

void ast_module_register(const struct ast_module_info *info)
{
	registered_module = info;
}

void ast_module_unregister(const struct ast_module_info *info)
{
	if (info == registered_module) {
		unregistered = 1;
	}
}

int __ast_custom_function_register(struct ast_custom_function *acf, struct ast_module *mod)
{
	if (registered_function) {
		return -1;
	}
	acf->mod = mod;
	registered_function = acf;
	return 0;
}

int ast_custom_function_unregister(struct ast_custom_function *acf)
{
	if (acf != registered_function) {
		return -1;
	}
	registered_function = NULL;
	return 0;
}

void ast_log(int level, const char *file, int line, const char *function, const char *fmt, ...)
{
	static const char *const names[] = {"DEBUG", "?", "NOTICE", "WARNING", "ERROR"};
	va_list ap;

	fprintf(stderr, "[%s] %s:%d %s: ", names[level >= 0 && level <= 4 ? level : 1], file, line,
		function);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

const char *ast_channel_language(const struct ast_channel *chan)
{
	return chan->language;
}

/* Asterisk's splitter without quoting: commas separate, surrounding blanks are removed. */
unsigned int __ast_app_separate_args(char *buf, char delim, int remove_chars, char **array,
	int arraylen)
{
	int argc = 0;
	char *cursor = buf;

	(void)remove_chars;
	if (!buf || !arraylen) {
		return 0;
	}
	while (argc < arraylen) {
		char *end = strchr(cursor, delim);
		char *last;
		while (*cursor == ' ') {
			cursor++;
		}
		array[argc++] = cursor;
		if (end && argc < arraylen) {
			*end = '\0';
		}
		last = cursor + strlen(cursor);
		while (last > cursor && last[-1] == ' ') {
			*--last = '\0';
		}
		if (!end || argc == arraylen) {
			break;
		}
		cursor = end + 1;
	}
	return (unsigned int)argc;
}

/* --- the dialplan ---------------------------------------------------------------------- */

struct call {
	const char *spec;     /* as given on the command line */
	const char *language; /* channel language */
	size_t len;           /* buffer size given to the read callback */
	const char *args;     /* what is inside CBSTATUS(...) */
	int rc;
	char value[BUF_SIZE];
};

static struct call calls[MAX_CALLS];
static int ncalls;

static void evaluate(const struct call *call, int *rc, char *value)
{
	struct ast_channel chan;
	char data[512];

	chan.language = call->language;
	/* Asterisk hands the callback a writable copy of the arguments. */
	snprintf(data, sizeof data, "%s", call->args);
	memset(value, 'X', BUF_SIZE); /* the callback must NUL-terminate within len */
	*rc = registered_function->read(&chan, registered_function->name, data, value, call->len);
	if (memchr(value, '\0', call->len) == NULL) {
		fprintf(stderr, "host: CBSTATUS(%s) did not NUL-terminate within %zu bytes\n",
			call->args, call->len);
		exit(1);
	}
}

static void *thread_main(void *arg)
{
	const struct call *call = arg;
	char value[BUF_SIZE];
	int rc;

	evaluate(call, &rc, value);
	if (rc != call->rc || strcmp(value, call->value) != 0) {
		fprintf(stderr, "host: concurrent CBSTATUS(%s) gave rc=%d [%s], sequential rc=%d [%s]\n",
			call->args, rc, value, call->rc, call->value);
		return (void *)1;
	}
	return NULL;
}

static void parse_spec(struct call *call, const char *spec)
{
	call->spec = spec;
	call->language = "en";
	call->len = BUF_SIZE;
	for (;;) {
		if (strncmp(spec, "lang=", 5) == 0 && strchr(spec, ':')) {
			static char languages[MAX_CALLS][16];
			size_t n = (size_t)(strchr(spec, ':') - (spec + 5));
			char *language = languages[call - calls];
			snprintf(language, sizeof languages[0], "%.*s", (int)n, spec + 5);
			call->language = language;
			spec = strchr(spec, ':') + 1;
		} else if (strncmp(spec, "len=", 4) == 0 && strchr(spec, ':')) {
			call->len = (size_t)strtoul(spec + 4, NULL, 10);
			if (call->len < 1 || call->len > BUF_SIZE) {
				call->len = BUF_SIZE;
			}
			spec = strchr(spec, ':') + 1;
		} else {
			break;
		}
	}
	call->args = spec;
}

int main(int argc, char **argv)
{
	pthread_t threads[MAX_CALLS];
	void *handle;
	int i, load, failed = 0;

	if (argc < 2 || argc - 2 > MAX_CALLS) {
		fprintf(stderr, "usage: %s MODULE.so [[lang=LANG:][len=N:]ARGS ...]\n", argv[0]);
		return 2;
	}
	/* As Asterisk's loader does for a module without AST_MODFLAG_GLOBAL_SYMBOLS. */
	handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		fprintf(stderr, "host: dlopen: %s\n", dlerror());
		return 1;
	}
	if (!registered_module) {
		fprintf(stderr, "host: the module did not register itself\n");
		return 1;
	}
	printf("module %s: %s\n", registered_module->name, registered_module->description);

	load = (int)registered_module->load();
	printf("load=%d\n", load);
	if (load != AST_MODULE_LOAD_SUCCESS) {
		if (registered_function) {
			fprintf(stderr, "host: a declined module left its function registered\n");
			return 1;
		}
		dlclose(handle);
		return 0;
	}
	if (!registered_function || strcmp(registered_function->name, "CBSTATUS") != 0) {
		fprintf(stderr, "host: CBSTATUS was not registered\n");
		return 1;
	}

	ncalls = argc - 2;
	for (i = 0; i < ncalls; i++) {
		parse_spec(&calls[i], argv[i + 2]);
		evaluate(&calls[i], &calls[i].rc, calls[i].value);
		printf("CBSTATUS(%s) rc=%d [%s]\n", calls[i].spec, calls[i].rc, calls[i].value);
	}
	fflush(stdout);

	/* Channel threads call the function at the same time. */
	for (i = 0; i < ncalls; i++) {
		if (pthread_create(&threads[i], NULL, thread_main, &calls[i]) != 0) {
			fprintf(stderr, "host: pthread_create failed\n");
			return 1;
		}
	}
	for (i = 0; i < ncalls; i++) {
		void *res;
		pthread_join(threads[i], &res);
		failed |= res != NULL;
	}
	printf("concurrent calls %s\n", failed ? "DIFFER" : "agree");

	printf("unload=%d\n", registered_module->unload());
	if (registered_function) {
		fprintf(stderr, "host: CBSTATUS still registered after unload\n");
		failed = 1;
	}
	dlclose(handle);
	printf("unregistered=%d\n", unregistered);
	return failed;
}
