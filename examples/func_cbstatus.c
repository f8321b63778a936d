/*
 * func_cbstatus.c: an Asterisk dialplan function backed by cbstatus, in-process.
 *
 *     ${CBSTATUS(number,field[,locale])}
 *
 * number  the caller number, usually ${CALLERID(num)}, in any caller-id shape
 * field   text      the sentence to say, for a TTS engine
 *         ssml      the same as an SSML <speak> document
 *         prompts   an &-joined list of sound files for Playback()
 *         result    FOUND, NOT_FOUND or ERROR (as the AGI's CBSTATUS_RESULT)
 *         error     "" on success, else the failure's name: timeout, http_status, ...
 *         status    waitlisted, scheduled, ... of the soonest callback ("" when none)
 *         type      asap or scheduled ("" when none)
 *                   (status and type are always a word of [a-z0-9_], at most 32
 *                   characters: an unknown API value arrives as itself or as "other",
 *                   so it is safe inside $[...] and application arguments)
 *         position  place in line, 1 = next ("" when unknown)
 *         wait_seconds   expected wait in seconds ("" when unknown)
 *         estimated_for  expected call time, Unix seconds ("" when unknown)
 *         count     how many callbacks the number has (0 when none or failed)
 * locale  en-US, es-US, ...; default: es-US when the channel's language is Spanish ("es",
 *         "es_MX", ...), else the configured locale (CBSTATUS_LOCALE, else en-US)
 *
 * Example dialplan (extensions.conf):
 *
 *     exten => 500,1,Answer()
 *      same => n,Set(CB_RESULT=${CBSTATUS(${CALLERID(num)},result)})
 *      same => n,GotoIf($["${CB_RESULT}" = "FOUND"]?found)
 *      same => n,Playback(${CBSTATUS(${CALLERID(num)},prompts)})  ; not found or fallback
 *      same => n,Hangup()
 *      same => n(found),Playback(${CBSTATUS(${CALLERID(num)},prompts)})
 *      same => n,GotoIf($[${CBSTATUS(${CALLERID(num)},position)} = 1]?next-in-line,1)
 *      same => n,Hangup()
 *
 * Reading several fields for one caller costs one API request: the client reuses an answer
 * for the same number for CBSTATUS_CACHE_TTL_MS (default 3 s).
 *
 * How the module uses the library (the pattern for any PBX module):
 * - load_module() creates ONE cb_client from the environment of the Asterisk process
 *   (CBSTATUS_CONFIG and CBSTATUS_* variables: put them in the asterisk service's environment,
 *   e.g. a systemd drop-in "Environment=CBSTATUS_CONFIG=/etc/cbstatus/cbstatus.toml").
 * - The read callback runs on channel threads, many at once. cb_client_lookup() is
 *   thread-safe, holds no lock during network I/O, and returns within CBSTATUS_TIMEOUT_MS
 *   (default 2 s), so blocking the channel thread for it is acceptable, unlike CURL()'s 180 s.
 * - unload_module() unregisters the function first (Asterisk refuses a soft unload while a
 *   channel is inside CBSTATUS(), so no lookup is running afterwards), detaches the log
 *   callback (this module's code is about to be unmapped), frees the client, and calls
 *   cb_shutdown(). libcbstatus.so is linked with -z nodelete, so its code stays mapped for
 *   thread-local destructors even after Asterisk dlclose()s this module.
 *
 * Build out of tree (the Asterisk development headers and cbstatus installed; see README.md):
 *
 *     gcc -shared -fPIC -std=gnu99 -Wall -I/usr/include func_cbstatus.c \
 *         $(pkg-config --cflags --libs cbstatus) -o func_cbstatus.so
 *     install -m 0755 func_cbstatus.so /usr/lib/asterisk/modules/
 *     asterisk -rx 'module load func_cbstatus.so'
 *
 * This file is an example under the project's license; a module that includes Asterisk's
 * headers and ASTERISK_GPL_KEY is distributed under the GPL version 2, like Asterisk.
 */

/*** MODULEINFO
	<support_level>extended</support_level>
 ***/

/* Externally compiled modules name themselves (in-tree builds pass these with -D). */
#ifndef AST_MODULE
#define AST_MODULE "func_cbstatus"
#endif
#ifndef AST_MODULE_SELF_SYM
#define AST_MODULE_SELF_SYM __internal_func_cbstatus_self
#endif

#include <asterisk.h>

#include <asterisk/app.h>
#include <asterisk/channel.h>
#include <asterisk/logger.h>
#include <asterisk/module.h>
#include <asterisk/pbx.h>
#include <asterisk/strings.h>

#include <cbstatus.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h> /* strcasecmp */

/*** DOCUMENTATION
	<function name="CBSTATUS" language="en_US">
		<synopsis>
			Say where a caller's Mindful callback stands.
		</synopsis>
		<syntax>
			<parameter name="number" required="true" />
			<parameter name="field" required="true">
				<para>text, ssml, prompts, result, error, status, type, position,
				wait_seconds, estimated_for or count.</para>
			</parameter>
			<parameter name="locale" />
		</syntax>
		<description>
			<para>Looks the caller's callback up with the Mindful Scheduler API (cbstatus)
			and returns the requested field.</para>
		</description>
	</function>
 ***/

/* The one client, shared by every channel thread. Written only by load/unload. */
static struct cb_client *client;

/* cbstatus diagnostics into Asterisk's logger. Called from any thread; the message is valid
 * only during the call. It never contains the API token, and caller numbers only by their
 * last 4 digits. */
static void log_to_asterisk(int32_t level, const char *message, void *userdata)
{
	(void)userdata;
	switch (level) {
	case CB_LOG_ERROR:
		ast_log(LOG_ERROR, "%s\n", message);
		break;
	case CB_LOG_WARN:
		ast_log(LOG_WARNING, "%s\n", message);
		break;
	default: /* CB_LOG_INFO (one line per request), CB_LOG_DEBUG */
		ast_debug(1, "%s\n", message);
		break;
	}
}

/* The locale to speak in: the third argument, else es-US for a Spanish channel, else NULL
 * (the configured locale). */
static const char *choose_locale(struct ast_channel *chan, const char *requested)
{
	const char *language;

	if (!ast_strlen_zero(requested)) {
		return requested;
	}
	language = chan ? ast_channel_language(chan) : NULL;
	if (language && strncmp(language, "es", 2) == 0) {
		return "es-US";
	}
	return NULL;
}

/* Copy a rendering (text, ssml, prompts) into Asterisk's buffer. */
static void copy_rendering(const struct cb_result *result, int32_t format, const char *locale,
	char *buf, size_t len)
{
	char *rendered = NULL;
	int32_t status = cb_result_render(result, format, locale, &rendered);

	/* CB_E_UNKNOWN_LOCALE still renders (in English). */
	if (status != CB_OK && status != CB_E_UNKNOWN_LOCALE) {
		ast_log(LOG_WARNING, "CBSTATUS: cannot render: %s\n", cb_status_str(status));
	}
	ast_copy_string(buf, rendered ? rendered : "", len);
	cb_string_free(rendered); /* ours: cbstatus's allocator, never ast_free()/free() */
}

/* -1 means unknown: the field reads as "". */
static void copy_int(int64_t value, char *buf, size_t len)
{
	if (value < 0) {
		ast_copy_string(buf, "", len);
	} else {
		snprintf(buf, len, "%" PRId64, value);
	}
}

/* FOUND / NOT_FOUND / ERROR, the words the AGI sets in CBSTATUS_RESULT. */
static const char *result_word(const struct cb_result *result)
{
	if (cb_result_error(result) != CB_OK) {
		return "ERROR";
	}
	return cb_result_found(result) ? "FOUND" : "NOT_FOUND";
}

/* Copy one field of a result into buf. Returns -1 for an unknown field name. */
static int copy_field(const struct cb_result *result, const char *field, const char *locale,
	char *buf, size_t len)
{
	if (!strcasecmp(field, "text")) {
		copy_rendering(result, CB_FORMAT_TEXT, locale, buf, len);
	} else if (!strcasecmp(field, "ssml")) {
		copy_rendering(result, CB_FORMAT_SSML, locale, buf, len);
	} else if (!strcasecmp(field, "prompts")) {
		copy_rendering(result, CB_FORMAT_PROMPTS, locale, buf, len);
	} else if (!strcasecmp(field, "result")) {
		ast_copy_string(buf, result_word(result), len);
	} else if (!strcasecmp(field, "error")) {
		int32_t code = cb_result_error(result);
		ast_copy_string(buf, code == CB_OK ? "" : cb_status_name(code), len);
	} else if (!strcasecmp(field, "status")) {
		ast_copy_string(buf, cb_result_status(result), len); /* lent by the result */
	} else if (!strcasecmp(field, "type")) {
		ast_copy_string(buf, cb_result_type(result), len);
	} else if (!strcasecmp(field, "position")) {
		copy_int(cb_result_position(result), buf, len);
	} else if (!strcasecmp(field, "wait_seconds")) {
		copy_int(cb_result_wait_seconds(result), buf, len);
	} else if (!strcasecmp(field, "estimated_for")) {
		copy_int(cb_result_estimated_for(result), buf, len);
	} else if (!strcasecmp(field, "count")) {
		snprintf(buf, len, "%" PRIu32, cb_result_count(result));
	} else {
		return -1;
	}
	return 0;
}

/* ${CBSTATUS(number,field[,locale])}: runs on the channel's thread. */
static int cbstatus_read(struct ast_channel *chan, const char *cmd, char *data, char *buf,
	size_t len)
{
	struct cb_result *result = NULL;
	int32_t status;
	int res;
	AST_DECLARE_APP_ARGS(args,
		AST_APP_ARG(number);
		AST_APP_ARG(field);
		AST_APP_ARG(locale);
	);

	*buf = '\0';
	AST_STANDARD_APP_ARGS(args, data);
	if (ast_strlen_zero(args.field)) {
		ast_log(LOG_WARNING, "Syntax: %s(number,field[,locale])\n", cmd);
		return -1;
	}
	if (!client) {
		ast_log(LOG_ERROR, "%s: the module is not loaded\n", cmd);
		return -1;
	}

	/* An empty or withheld number gives CB_E_INVALID_NUMBER, still with a result whose
	 * rendering is the fallback sentence: the caller always hears something. */
	status = cb_client_lookup(client, args.number ? args.number : "", &result);
	if (!result) { /* only when an argument is NULL: not here */
		ast_log(LOG_ERROR, "%s: lookup failed: %s\n", cmd, cb_status_str(status));
		return -1;
	}
	/* A failed lookup (status != CB_OK: timeout, API down, ...) was already logged through
	 * log_to_asterisk(); its fields read as "not found" and "result" as ERROR. */

	res = copy_field(result, args.field, choose_locale(chan, args.locale), buf, len);
	if (res) {
		ast_log(LOG_WARNING, "%s: unknown field '%s'\n", cmd, args.field);
	}
	cb_result_free(result);
	return res;
}

static struct ast_custom_function cbstatus_function = {
	.name = "CBSTATUS",
	.read = cbstatus_read,
};

static int unload_module(void)
{
	int res = ast_custom_function_unregister(&cbstatus_function);

	/* This module's code is unmapped after unload: no more callbacks into it. */
	cb_set_log_callback(NULL, CB_LOG_ERROR, NULL);
	cb_client_free(client);
	client = NULL;
	/* Releases the process-wide client of cb_status_lookup(), if anything used it. */
	cb_shutdown();
	return res;
}

static int load_module(void)
{
	struct cb_config *config = NULL;
	char message[512];

	if (cb_version_number() != CB_VERSION_NUMBER) {
		ast_log(LOG_WARNING, "CBSTATUS: built with cbstatus.h %d.%d.%d, running library %s\n",
			CB_VERSION_MAJOR, CB_VERSION_MINOR, CB_VERSION_PATCH, cb_version());
	}
	cb_set_log_callback(log_to_asterisk, CB_LOG_INFO, NULL);

	if (cb_config_from_env(&config) != CB_OK) {
		cb_last_error_message(message, sizeof message);
		ast_log(LOG_ERROR, "CBSTATUS: bad configuration: %s\n", message);
		cb_set_log_callback(NULL, CB_LOG_ERROR, NULL);
		return AST_MODULE_LOAD_DECLINE;
	}
	if (cb_client_new(config, &client) != CB_OK) {
		/* Read the message before any other cbstatus call resets it. */
		cb_last_error_message(message, sizeof message);
		ast_log(LOG_ERROR, "CBSTATUS: %s\n", message); /* e.g. no CBSTATUS_API_URL */
		cb_config_free(config);
		cb_set_log_callback(NULL, CB_LOG_ERROR, NULL);
		return AST_MODULE_LOAD_DECLINE;
	}
	cb_config_free(config); /* the client copied it */

	if (ast_custom_function_register(&cbstatus_function)) {
		unload_module();
		return AST_MODULE_LOAD_DECLINE;
	}
	ast_log(LOG_NOTICE, "CBSTATUS: cbstatus %s ready\n", cb_version());
	return AST_MODULE_LOAD_SUCCESS;
}

AST_MODULE_INFO_STANDARD(ASTERISK_GPL_KEY, "CBSTATUS(): Mindful callback status (cbstatus)");
