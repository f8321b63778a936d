/*
 * func_cbstatus.c: the cbstatus Asterisk module. Tells a caller where their Mindful callback
 * stands, in-process, with one shared client for every channel.
 *
 *     ${CBSTATUS(number,field[,locale])}       dialplan function: one field of a lookup
 *     CBStatus([number][,option[,option...]])  application: one request, CBSTATUS_* variables
 *     cbstatus show settings | cbstatus lookup <number> [locale]   CLI
 *
 * Configuration: /etc/asterisk/cbstatus.conf, section [general], with the keys of the
 * cbstatus TOML file (api_url, api_token, timeout_ms, locale, ...). The CBSTATUS_CONFIG file and
 * the CBSTATUS_* environment of the Asterisk process are read first; cbstatus.conf overrides
 * them. `module reload func_cbstatus` reads everything again and swaps in a new client: calls
 * in progress finish on the client they started with (each holds a reference to it).
 *
 * Threads: the function and the application run on channel threads, many at once. The
 * cbstatus client is thread-safe, holds no lock during network I/O and returns within
 * timeout_ms (default 2 s), so blocking the channel thread is acceptable (unlike CURL()'s 180 s).
 *
 * Unloading: Asterisk refuses a soft `module unload` while a channel is inside CBSTATUS() or
 * CBStatus() (its use count) and while a CLI command of this module runs, so no lookup is in
 * flight when unload_module() runs. It unregisters everything, releases the client, detaches
 * the log callback (this code is unmapped next) and calls cb_shutdown(). libcbstatus.so is
 * linked with -z nodelete, so its code stays mapped for thread-local destructors.
 *
 * The CBSTATUS_* variables are the library's list (cb_result_variables()): this module sets
 * exactly its names, in its order (CBSTATUS_RESULT last), with its values, and CBSTATUS()
 * reads one of them (cb_result_variable()); it derives no value itself. Values that come from
 * the API (status, type, widget state) are safe words (lower-case [a-z0-9_], at most 32
 * characters, else "other"). The channel's language goes to the library as it is; the
 * library picks the locale.
 *
 * Build and install: see Makefile and README.md beside this file.
 *
 * This module includes Asterisk's headers and ASTERISK_GPL_KEY: it is distributed under the
 * GPL version 2, like Asterisk.
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
#include <asterisk/astobj2.h>
#include <asterisk/callerid.h>
#include <asterisk/channel.h>
#include <asterisk/cli.h>
#include <asterisk/config.h>
#include <asterisk/localtime.h>
#include <asterisk/logger.h>
#include <asterisk/module.h>
#include <asterisk/pbx.h>
#include <asterisk/strings.h>
#include <asterisk/utils.h>

#include <cbstatus.h>

#include <ctype.h> /* tolower */
#include <stdio.h>
#include <stdlib.h> /* strtoll */
#include <string.h>
#include <strings.h> /* strcasecmp */

/*** DOCUMENTATION
	<function name="CBSTATUS" language="en_US" module="func_cbstatus">
		<synopsis>
			Say where a caller's Mindful callback stands.
		</synopsis>
		<syntax>
			<parameter name="number" required="true">
				<para>The number the callback was requested for, in any caller-id shape,
				usually <literal>${CALLERID(num)}</literal>. An empty or withheld number gives
				the fallback sentence and <literal>ERROR</literal>.</para>
			</parameter>
			<parameter name="field" required="true">
				<para>What to return:</para>
				<enumlist>
					<enum name="text"><para>The sentence to say, for a TTS engine.</para></enum>
					<enum name="ssml"><para>The same as an SSML document.</para></enum>
					<enum name="prompts"><para>An <literal>&amp;</literal>-joined list of sound
					files for <literal>Playback()</literal>.</para></enum>
					<enum name="result"><para><literal>FOUND</literal>,
					<literal>NOT_FOUND</literal> or <literal>ERROR</literal>.</para></enum>
					<enum name="error"><para>Empty on success, else the failure's name
					(<literal>timeout</literal>, <literal>http_status</literal>, ...).</para></enum>
					<enum name="status"><para>Status of the soonest callback
					(<literal>waitlisted</literal>, <literal>scheduled</literal>, ...; empty when
					none).</para></enum>
					<enum name="type"><para><literal>asap</literal> or
					<literal>scheduled</literal> (empty when none).</para></enum>
					<enum name="position"><para>Place in line, 1 = next (empty when
					unknown).</para></enum>
					<enum name="wait_seconds"><para>Expected wait in seconds (empty when
					unknown).</para></enum>
					<enum name="estimated_for"><para>Expected call time, Unix seconds (empty when
					unknown).</para></enum>
					<enum name="count"><para>How many callbacks the number has.</para></enum>
				</enumlist>
				<para>Any other variable of <literal>CBStatus()</literal> too, by its name without
				<literal>CBSTATUS_</literal>, with the same value.</para>
			</parameter>
			<parameter name="locale">
				<para><literal>en-US</literal>, <literal>es-US</literal>, <literal>es</literal>,
				<literal>fr-CA</literal>, <literal>fr</literal>, ... Default: the channel's language. Either is given to cbstatus as it is:
				a locale's tag or another language with a locale (<literal>es</literal>,
				<literal>es_MX</literal>: es-US; <literal>fr</literal>, <literal>fr_CA</literal>:
				fr-CA) picks it; <literal>en</literal> (every channel's
				language unless set), a language without a locale or nothing leave the configured
				locale.</para>
			</parameter>
		</syntax>
		<description>
			<para>Looks the number up with the Mindful Scheduler API (cbstatus) and returns one
			field. Reading several fields for one caller costs one request: on one channel the
			result for a number is reused for 5 s (failures included, so a hung API costs the
			caller one timeout, not one per field), and the client caches answers for
			<literal>cache_ttl_ms</literal> (default 3 s). Configuration:
			<filename>cbstatus.conf</filename>.</para>
		</description>
		<see-also>
			<ref type="application">CBStatus</ref>
		</see-also>
	</function>
	<function name="CBSTATUS_PREFETCH" language="en_US" module="func_cbstatus">
		<synopsis>
			Start a caller's callback lookup in the background.
		</synopsis>
		<syntax>
			<parameter name="number" required="true">
				<para>The number, usually <literal>${CALLERID(num)}</literal>.</para>
			</parameter>
		</syntax>
		<description>
			<para>Returns at once: <literal>1</literal> when the lookup started (or is already
			running), empty when the number cannot be looked up. A later
			<literal>CBStatus()</literal> or <literal>CBSTATUS()</literal> of the number within
			<literal>prefetch_ttl_ms</literal> joins it, so the caller does not wait for the API
			after the greeting.</para>
		</description>
	</function>
	<application name="CBStatus" language="en_US" module="func_cbstatus">
		<synopsis>
			Look up a caller's Mindful callback and set the CBSTATUS_* channel variables.
		</synopsis>
		<syntax>
			<parameter name="number">
				<para>The number to look up. Default: the caller ID, unless its presentation is
				restricted or unavailable (then the result is <literal>ERROR</literal> with
				<literal>invalid_number</literal>).</para>
			</parameter>
			<parameter name="options" multiple="true">
				<para>Any of these words, each as its own argument:</para>
				<enumlist>
					<enum name="status"><para>Where the callback stands (the default).</para></enum>
					<enum name="cancel"><para>Cancel the number's callback.
					<variable>CBSTATUS_RESULT</variable> is then <literal>CANCELED</literal>,
					<literal>NOT_FOUND</literal>, <literal>TOO_MANY</literal>,
					<literal>FAILED</literal> or <literal>ERROR</literal>.</para></enum>
					<enum name="widget"><para>Whether callbacks are offered now
					(<literal>widget=ID</literal> names the widget, else the configured
					<literal>widget_id</literal>). <variable>CBSTATUS_RESULT</variable> is then
					<literal>AVAILABLE</literal>, <literal>UNAVAILABLE</literal> or
					<literal>ERROR</literal>.</para></enum>
					<enum name="register"><para>Register a callback for the number with the widget
					(<literal>widget=ID</literal>, else the configured one), as soon as possible or
					at <literal>at=UNIX</literal> (one of the widget's time slots). Sent once.
					<variable>CBSTATUS_RESULT</variable> and
					<variable>CBSTATUS_REGISTER_RESULT</variable> are then
					<literal>REQUESTED</literal>, <literal>DUPLICATE</literal>,
					<literal>REFUSED</literal>, <literal>INVALID_CONTACT</literal>,
					<literal>INVALID_TIME</literal>, <literal>FAILED</literal> or
					<literal>ERROR</literal>; <variable>CBSTATUS_CALLBACK_ID</variable> is
					Mindful's request id.</para></enum>
					<enum name="at=UNIX"><para>register: the time slot, Unix
					seconds.</para></enum>
					<enum name="profile=NAME"><para>Use the <literal>[profiles.NAME]</literal>
					table of the <literal>CBSTATUS_CONFIG</literal> file (its own organization,
					token, locale...; one client per profile). An unknown profile gives
					<literal>ERROR</literal> with <literal>invalid_config</literal>.</para></enum>
					<enum name="locale=TAG"><para>Speak in this locale (<literal>en-US</literal>,
					<literal>es-US</literal>, <literal>es</literal>, <literal>fr-CA</literal>,
					<literal>fr</literal>). Default: the channel's
					language, as for <literal>CBSTATUS()</literal>.</para></enum>
				</enumlist>
			</parameter>
		</syntax>
		<description>
			<para>Does one request and sets the variables of its action, in this order, each
			empty when unknown; <variable>CBSTATUS_RESULT</variable> is always set last, so an
			empty or earlier <variable>CBSTATUS_RESULT</variable> means the request did not
			finish. Every action sets <variable>CBSTATUS_ERROR</variable> to
			<variable>CBSTATUS_COUNT</variable>; widget also sets
			<variable>CBSTATUS_WIDGET_STATE</variable> to <variable>CBSTATUS_MENU</variable>;
			register also sets <variable>CBSTATUS_REGISTER_RESULT</variable> and
			<variable>CBSTATUS_CALLBACK_ID</variable>. A variable the action does not set keeps
			its earlier value.</para>
			<variablelist>
				<variable name="CBSTATUS_ERROR"><para>The error name after a failure, else
				empty.</para></variable>
				<variable name="CBSTATUS_TEXT"><para>What to say (the fallback sentence after an
				error).</para></variable>
				<variable name="CBSTATUS_SSML"><para>The same as SSML.</para></variable>
				<variable name="CBSTATUS_PROMPTS"><para>Sound files for
				Playback().</para></variable>
				<variable name="CBSTATUS_STATUS"><para>Status of the soonest
				callback.</para></variable>
				<variable name="CBSTATUS_TYPE"><para>asap or scheduled.</para></variable>
				<variable name="CBSTATUS_POSITION"><para>Place in line.</para></variable>
				<variable name="CBSTATUS_WAIT_SECONDS"><para>Expected wait in
				seconds.</para></variable>
				<variable name="CBSTATUS_ESTIMATED_FOR"><para>Expected call time, Unix
				seconds.</para></variable>
				<variable name="CBSTATUS_COUNT"><para>How many callbacks the number
				has.</para></variable>
				<variable name="CBSTATUS_WIDGET_STATE"><para>widget: the widget
				state.</para></variable>
				<variable name="CBSTATUS_OFFER_ASAP"><para>widget: 1 when ASAP callbacks are
				offered.</para></variable>
				<variable name="CBSTATUS_OFFER_SCHEDULED"><para>widget: 1 when scheduled callbacks
				are offered.</para></variable>
				<variable name="CBSTATUS_EWT_SECONDS"><para>widget: current estimated callback
				wait.</para></variable>
				<variable name="CBSTATUS_OFFER"><para>widget: yes when there is a choice to
				offer, else no.</para></variable>
				<variable name="CBSTATUS_SLOT_COUNT"><para>widget: how many time slots are
				offered.</para></variable>
				<variable name="CBSTATUS_SLOTS"><para>widget: the time slots, comma-separated
				Unix seconds.</para></variable>
				<variable name="CBSTATUS_MENU"><para>widget: what each key chooses, key 1 first
				(asap or Unix seconds).</para></variable>
				<variable name="CBSTATUS_REGISTER_RESULT"><para>register: the
				outcome.</para></variable>
				<variable name="CBSTATUS_CALLBACK_ID"><para>register: Mindful's request
				id.</para></variable>
				<variable name="CBSTATUS_RESULT"><para>Last. FOUND, NOT_FOUND or ERROR (see options
				for cancel, widget and register).</para></variable>
			</variablelist>
			<para>The same variables, order and values as
			<literal>AGI(/usr/bin/cbstatus,agi)</literal>. The dialplan always continues, even
			after an error.</para>
		</description>
		<see-also>
			<ref type="function">CBSTATUS</ref>
		</see-also>
	</application>
 ***/

#define CONFIG_FILE "cbstatus.conf"
#define APP_NAME "CBStatus"
#define MAX_SOURCES 64

/* One setting as it was read, for `cbstatus show settings`. */
struct setting {
	char *key;
	char *value;
	const char *source;
};

/* Everything a configuration produced: the client and what it was made from. Shared through
 * a global ao2 holder: each call takes a reference for its whole duration, so a reload
 * replaces the holder's object while calls still use the old one, and the last reference
 * frees the old client. */
#define MAX_PROFILES 8

struct cbstatus_state {
	struct cb_client *client;
	time_t loaded;
	size_t count;
	struct setting settings[MAX_SOURCES];
	/* One client per profile used (CBStatus(...,profile=NAME)): own pool, cache, breaker.
	 * Made on first use from the same settings plus `profile`; guarded by the ao2 lock. */
	char *profile_names[MAX_PROFILES];
	struct cb_client *profile_clients[MAX_PROFILES];
};

static AO2_GLOBAL_OBJ_STATIC(global_state);

static void state_destroy(void *obj)
{
	struct cbstatus_state *state = obj;
	size_t i;

	cb_client_free(state->client); /* no call holds this state any more */
	for (i = 0; i < MAX_PROFILES; i++) {
		cb_client_free(state->profile_clients[i]);
		ast_free(state->profile_names[i]);
	}
	for (i = 0; i < state->count; i++) {
		ast_free(state->settings[i].key);
		ast_free(state->settings[i].value);
	}
}

/* cbstatus diagnostics into Asterisk's logger, from any thread. The message is valid only
 * during the call; it never contains the API token and shows numbers by their last 4 digits. */
static void log_to_asterisk(int32_t level, const char *message, void *userdata)
{
	(void)userdata;
	switch (level) {
	case CB_LOG_ERROR:
		ast_log(LOG_ERROR, "cbstatus: %s\n", message);
		break;
	case CB_LOG_WARN:
		ast_log(LOG_WARNING, "cbstatus: %s\n", message);
		break;
	default: /* CB_LOG_INFO (one line per request), CB_LOG_DEBUG */
		ast_debug(1, "cbstatus: %s\n", message);
		break;
	}
}

static void remember(struct cbstatus_state *state, const char *key, const char *value,
	const char *source)
{
	if (state->count >= MAX_SOURCES) {
		return;
	}
	state->settings[state->count].key = ast_strdup(key);
	state->settings[state->count].value = ast_strdup(value);
	state->settings[state->count].source = source;
	state->count++;
}

/* The CBSTATUS_* environment, as cb_config_from_env() reads it. */
static void remember_environment(struct cbstatus_state *state)
{
	extern char **environ;
	char **env;

	for (env = environ; env && *env; env++) {
		const char *eq = strchr(*env, '=');
		char key[128];

		if (strncmp(*env, "CBSTATUS_", 9) || !eq || (size_t)(eq - *env) >= sizeof key) {
			continue;
		}
		memcpy(key, *env, eq - *env);
		key[eq - *env] = '\0';
		remember(state, key, eq + 1, "environment");
	}
}

/* A new state from CBSTATUS_CONFIG / the environment, then cbstatus.conf [general]. NULL on
 * a configuration error (logged). */
static struct cbstatus_state *state_load(void)
{
	struct cbstatus_state *state;
	struct cb_config *config = NULL;
	struct ast_flags flags = { 0 };
	struct ast_config *cfg;
	struct ast_variable *var;
	char message[512];
	int32_t status;

	state = ao2_alloc(sizeof(*state), state_destroy);
	if (!state) {
		return NULL;
	}
	state->loaded = time(NULL);
	if (cb_config_from_env(&config) != CB_OK) {
		cb_last_error_message(message, sizeof message);
		ast_log(LOG_ERROR, "cbstatus: bad CBSTATUS_* environment or CBSTATUS_CONFIG: %s\n",
			message);
		ao2_ref(state, -1);
		return NULL;
	}
	remember_environment(state);

	cfg = ast_config_load(CONFIG_FILE, flags);
	if (cfg == CONFIG_STATUS_FILEINVALID) {
		ast_log(LOG_ERROR, "cbstatus: %s is not valid; not loading it\n", CONFIG_FILE);
		cb_config_free(config);
		ao2_ref(state, -1);
		return NULL;
	}
	if (cfg) {
		for (var = ast_variable_browse(cfg, "general"); var; var = var->next) {
			status = cb_config_set(config, var->name, var->value);
			if (status == CB_E_UNKNOWN_LOCALE) {
				cb_last_error_message(message, sizeof message);
				ast_log(LOG_WARNING, "cbstatus: %s line %d: %s\n", CONFIG_FILE, var->lineno,
					message);
			} else if (status != CB_OK) {
				cb_last_error_message(message, sizeof message);
				ast_log(LOG_ERROR, "cbstatus: %s line %d: %s\n", CONFIG_FILE, var->lineno,
					message);
				ast_config_destroy(cfg);
				cb_config_free(config);
				ao2_ref(state, -1);
				return NULL;
			}
			remember(state, var->name, var->value, CONFIG_FILE);
		}
		ast_config_destroy(cfg);
	}

	if (cb_client_new(config, &state->client) != CB_OK) {
		/* Read the message before any other cbstatus call resets it. */
		cb_last_error_message(message, sizeof message);
		ast_log(LOG_ERROR, "cbstatus: %s (set api_url in %s [general])\n", message,
			CONFIG_FILE);
		cb_config_free(config);
		ao2_ref(state, -1);
		return NULL;
	}
	cb_config_free(config); /* the client copied it */
	return state;
}

/* The client of a profile (the [profiles.NAME] table of the CBSTATUS_CONFIG file over the
 * same settings), made on first use and kept with the state; NULL on error (logged). */
static struct cb_client *profile_client(struct cbstatus_state *state, const char *name)
{
	struct cb_client *client = NULL;
	struct cb_config *config = NULL;
	char message[512];
	size_t i;

	ao2_lock(state);
	for (i = 0; i < MAX_PROFILES && state->profile_names[i]; i++) {
		if (!strcmp(state->profile_names[i], name)) {
			client = state->profile_clients[i];
			ao2_unlock(state);
			return client;
		}
	}
	if (i == MAX_PROFILES) {
		ao2_unlock(state);
		ast_log(LOG_ERROR, "cbstatus: more than %d profiles in use\n", MAX_PROFILES);
		return NULL;
	}
	if (cb_config_from_env(&config) == CB_OK) {
		size_t k;
		int ok = 1;
		for (k = 0; k < state->count && ok; k++) {
			if (!strcmp(state->settings[k].source, CONFIG_FILE)) {
				int32_t st = cb_config_set(config, state->settings[k].key, state->settings[k].value);
				ok = st == CB_OK || st == CB_E_UNKNOWN_LOCALE;
			}
		}
		if (ok && cb_config_set(config, "profile", name) == CB_OK
			&& cb_client_new(config, &client) == CB_OK) {
			state->profile_names[i] = ast_strdup(name);
			state->profile_clients[i] = client;
		} else {
			client = NULL;
		}
	}
	if (!client) {
		cb_last_error_message(message, sizeof message);
		ast_log(LOG_ERROR, "cbstatus: profile '%s': %s\n", name, message);
	}
	cb_config_free(config);
	ao2_unlock(state);
	return client;
}

/* The language to speak: the locale asked for, else the channel's language, given to the
 * library as it is (cb_result_variables() picks the locale, or keeps the configured one). */
static const char *language_of(struct ast_channel *chan, const char *requested)
{
	if (!ast_strlen_zero(requested)) {
		return requested;
	}
	return chan ? ast_channel_language(chan) : NULL;
}

/* The current state with a reference the caller releases (ao2_cleanup), or NULL. */
static struct cbstatus_state *state_ref(void)
{
	return ao2_global_obj_ref(global_state);
}

/* Per-channel reuse of the last CBSTATUS() result: a dialplan reads several fields in a row,
 * and without this a failing or hung API would cost the caller one timeout per field (the
 * client caches answers, not failures). Kept in module memory, not in a channel datastore,
 * so nothing outlives an unload. */
#define REUSE_MS 5000
#define REUSE_SLOTS 256

struct reused {
	char channel[AST_MAX_UNIQUEID];
	char number[128];
	struct timeval at;
	struct cb_result *result;
};

static struct reused *reuse_table[REUSE_SLOTS];
AST_MUTEX_DEFINE_STATIC(reuse_lock);

static void reused_destroy(void *obj)
{
	struct reused *r = obj;

	cb_result_free(r->result);
}

/* The channel's recent result for this number with a reference, or NULL. */
static struct reused *reuse_get(const char *channel, const char *number)
{
	struct reused *found = NULL;
	size_t i;

	ast_mutex_lock(&reuse_lock);
	for (i = 0; i < REUSE_SLOTS; i++) {
		struct reused *r = reuse_table[i];
		if (r && !strcmp(r->channel, channel) && !strcmp(r->number, number)
			&& ast_tvdiff_ms(ast_tvnow(), r->at) < REUSE_MS) {
			found = ao2_bump(r);
			break;
		}
	}
	ast_mutex_unlock(&reuse_lock);
	return found;
}

/* Keep r for its channel: replaces the channel's previous entry, else a free, expired or the
 * oldest slot. */
static void reuse_put(struct reused *r)
{
	struct reused *old;
	size_t i, slot = 0;

	ast_mutex_lock(&reuse_lock);
	for (i = 0; i < REUSE_SLOTS; i++) {
		struct reused *e = reuse_table[i];
		if (!e || !strcmp(e->channel, r->channel)) {
			slot = i;
			break;
		}
		if (ast_tvcmp(e->at, reuse_table[slot]->at) < 0) {
			slot = i;
		}
	}
	old = reuse_table[slot];
	reuse_table[slot] = ao2_bump(r);
	ast_mutex_unlock(&reuse_lock);
	ao2_cleanup(old);
}

static void reuse_clear(void)
{
	size_t i;

	ast_mutex_lock(&reuse_lock);
	for (i = 0; i < REUSE_SLOTS; i++) {
		ao2_cleanup(reuse_table[i]);
		reuse_table[i] = NULL;
	}
	ast_mutex_unlock(&reuse_lock);
}

/* ${CBSTATUS(number,field[,locale])}: runs on the channel's thread. */
static int cbstatus_read(struct ast_channel *chan, const char *cmd, char *data, char *buf,
	size_t len)
{
	RAII_VAR(struct cbstatus_state *, state, state_ref(), ao2_cleanup);
	struct cb_result *result = NULL;
	struct reused *reused;
	const char *number;
	char *value = NULL;
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
	if (!state) {
		ast_log(LOG_ERROR, "%s: cbstatus is not configured (see %s)\n", cmd, CONFIG_FILE);
		return -1;
	}
	number = S_OR(args.number, "");
	reused = chan ? reuse_get(ast_channel_uniqueid(chan), number) : NULL;
	if (!reused) {
		/* An empty or withheld number gives CB_E_INVALID_NUMBER, still with a result whose
		 * rendering is the fallback sentence: the caller always hears something. */
		status = cb_client_lookup(state->client, number, &result);
		if (!result) { /* only when an argument is NULL: not here */
			ast_log(LOG_ERROR, "%s: lookup failed: %s\n", cmd, cb_status_str(status));
			return -1;
		}
		reused = ao2_alloc(sizeof(*reused), reused_destroy);
		if (!reused) {
			cb_result_free(result);
			return -1;
		}
		reused->result = result; /* freed with it */
		reused->at = ast_tvnow();
		ast_copy_string(reused->number, number, sizeof reused->number);
		if (chan) {
			ast_copy_string(reused->channel, ast_channel_uniqueid(chan), sizeof reused->channel);
			reuse_put(reused);
		}
	}
	/* One variable of the library's list, as CBStatus() would set it. */
	res = 0;
	if (cb_result_variable(reused->result, ast_strip(args.field), language_of(chan, args.locale),
			&value) == CB_OK) {
		ast_copy_string(buf, value, len);
		cb_string_free(value); /* cbstatus's allocator, never ast_free()/free() */
	} else {
		ast_log(LOG_WARNING, "%s: unknown field '%s'\n", cmd, args.field);
		res = -1;
	}
	ao2_ref(reused, -1);
	return res;
}

static struct ast_custom_function cbstatus_function = {
	.name = "CBSTATUS",
	.read = cbstatus_read,
};

/* ${CBSTATUS_PREFETCH(number)}: start the lookup in the background (e.g. before the greeting);
 * a later CBStatus()/CBSTATUS() of the number joins it. Reads "1" when started (or already
 * running), "" when the number cannot be looked up. Returns at once. */
static int prefetch_read(struct ast_channel *chan, const char *cmd, char *data, char *buf,
	size_t len)
{
	RAII_VAR(struct cbstatus_state *, state, state_ref(), ao2_cleanup);
	int32_t status;

	(void)chan;
	*buf = '\0';
	if (!state) {
		ast_log(LOG_ERROR, "%s: cbstatus is not configured (see %s)\n", cmd, CONFIG_FILE);
		return -1;
	}
	status = cb_client_prefetch(state->client, S_OR(data, ""));
	ast_copy_string(buf, status == CB_OK ? "1" : "", len);
	return 0;
}

static struct ast_custom_function prefetch_function = {
	.name = "CBSTATUS_PREFETCH",
	.read = prefetch_read,
};

/* The caller's own number, or "" when it is unknown or its presentation is restricted or
 * unavailable (the same rule as `cbstatus agi`). */
static void caller_number(struct ast_channel *chan, char *buf, size_t len)
{
	struct ast_party_id *id;

	*buf = '\0';
	ast_channel_lock(chan);
	id = &ast_channel_caller(chan)->id;
	if (id->number.valid && !ast_strlen_zero(id->number.str)
		&& (ast_party_id_presentation(id) & AST_PRES_RESTRICTION) == AST_PRES_ALLOWED) {
		ast_copy_string(buf, id->number.str, len);
	}
	ast_channel_unlock(chan);
}

static void set_var(struct ast_channel *chan, const char *name, const char *value)
{
	pbx_builtin_setvar_helper(chan, name, value);
}

/* Every CBSTATUS_* variable of a result: the library's list, in its order (CBSTATUS_RESULT
 * last), exactly as `cbstatus agi` sets it. */
static void set_variables(struct ast_channel *chan, const struct cb_result *result,
	const char *language)
{
	struct cb_variables *vars = cb_result_variables(result, language);
	size_t i;

	for (i = 0; i < cb_variables_count(vars); i++) {
		set_var(chan, cb_variables_name(vars, i), cb_variables_value(vars, i));
	}
	cb_variables_free(vars);
}

/* A request that could not be made at all (no result): the library's list for that failure
 * (the fallback sentence, CBSTATUS_ERROR, CBSTATUS_RESULT=ERROR last), set the same way. */
static void set_failure(struct ast_channel *chan, int32_t action, int32_t code,
	const char *language)
{
	struct cb_variables *vars = cb_failed_variables(action, code, language);
	size_t i;

	for (i = 0; i < cb_variables_count(vars); i++) {
		set_var(chan, cb_variables_name(vars, i), cb_variables_value(vars, i));
	}
	cb_variables_free(vars);
}

/* The options of CBStatus(): action words and key=value pairs. */
struct app_options {
	int32_t action;
	const char *locale;
	const char *widget_id;
	int64_t at; /* register: Unix seconds of the time slot, 0 = as soon as possible */
	const char *profile;
};

static int parse_option(struct app_options *opts, char *word)
{
	word = ast_strip(word);
	if (ast_strlen_zero(word)) {
		return 0;
	}
	if (!strcasecmp(word, "status")) {
		opts->action = CB_ACTION_STATUS;
	} else if (!strcasecmp(word, "cancel")) {
		opts->action = CB_ACTION_CANCEL;
	} else if (!strcasecmp(word, "widget")) {
		opts->action = CB_ACTION_WIDGET;
	} else if (!strncasecmp(word, "widget=", 7)) {
		if (opts->action != CB_ACTION_REGISTER) {
			opts->action = CB_ACTION_WIDGET;
		}
		opts->widget_id = word + 7;
	} else if (!strncasecmp(word, "locale=", 7)) {
		opts->locale = word + 7;
	} else if (!strncasecmp(word, "profile=", 8)) {
		opts->profile = word + 8;
	} else if (!strcasecmp(word, "register")) {
		opts->action = CB_ACTION_REGISTER;
	} else if (!strncasecmp(word, "at=", 3)) {
		opts->at = strtoll(word + 3, NULL, 10);
	} else {
		ast_log(LOG_WARNING,
			"%s: unknown option '%s' (status, cancel, widget[=ID], register, at=UNIX, locale=TAG, "
			"profile=NAME)\n",
			APP_NAME, word);
		return -1;
	}
	return 0;
}

/* CBStatus([number][,option...]): one request, then the variables. Always returns 0: the
 * dialplan continues whatever happened (CBSTATUS_RESULT says what). */
static int cbstatus_exec(struct ast_channel *chan, const char *data)
{
	RAII_VAR(struct cbstatus_state *, state, state_ref(), ao2_cleanup);
	struct app_options opts = { CB_ACTION_STATUS, NULL, NULL, 0, NULL };
	struct cb_client *client;
	struct cb_result *result = NULL;
	char number[128];
	char *parse = ast_strdupa(S_OR(data, ""));
	int i;
	AST_DECLARE_APP_ARGS(args,
		AST_APP_ARG(number);
		AST_APP_ARG(options)[16];
	);

	AST_STANDARD_APP_ARGS(args, parse);
	for (i = 0; i < (int)args.argc - 1 && i < 16; i++) {
		if (args.options[i]) {
			parse_option(&opts, args.options[i]); /* an unknown word is logged and ignored */
		}
	}
	if (!ast_strlen_zero(args.number) && !ast_strlen_zero(ast_strip(args.number))) {
		ast_copy_string(number, args.number, sizeof number);
	} else {
		caller_number(chan, number, sizeof number);
	}
	if (!state) {
		ast_log(LOG_ERROR, "%s: cbstatus is not configured (see %s)\n", APP_NAME, CONFIG_FILE);
		set_failure(chan, opts.action, CB_E_NOT_CONFIGURED, language_of(chan, opts.locale));
		return 0;
	}
	client = ast_strlen_zero(opts.profile) ? state->client : profile_client(state, opts.profile);
	if (!client) { /* an unknown profile: never another organization's client */
		set_failure(chan, opts.action, CB_E_INVALID_CONFIG, language_of(chan, opts.locale));
		return 0;
	}
	switch (opts.action) {
	case CB_ACTION_CANCEL:
		cb_client_cancel(client, number, &result);
		break;
	case CB_ACTION_WIDGET:
		cb_client_widget_status(client, S_OR(opts.widget_id, NULL), &result);
		break;
	case CB_ACTION_REGISTER: /* sent once, never retried */
		cb_client_register(client, number, S_OR(opts.widget_id, NULL), opts.at, &result);
		break;
	default:
		cb_client_lookup(client, number, &result);
		break;
	}
	if (!result) { /* only for NULL arguments: not here */
		set_failure(chan, opts.action, CB_E_INTERNAL, language_of(chan, opts.locale));
		return 0;
	}
	set_variables(chan, result, language_of(chan, opts.locale));
	cb_result_free(result);
	return 0;
}

/* --- CLI ---------------------------------------------------------------------------------- */

static int is_secret(const char *key)
{
	return strcasestr(key, "token") != NULL;
}

/* A setting's value as the CLI shows it: a token masked, a proxy URL's credentials
 * (user:password@) replaced by ***@, anything else as it is. */
static const char *shown_value(const struct setting *s, char *buf, size_t size)
{
	const char *at;
	const char *scheme;
	size_t prefix;

	if (is_secret(s->key)) {
		return ast_strlen_zero(s->value) ? "(empty)" : "******** (set)";
	}
	if (!strcasestr(s->key, "proxy") || !(at = strrchr(s->value, '@'))) {
		return s->value;
	}
	scheme = strstr(s->value, "://");
	prefix = scheme && scheme < at ? (size_t)(scheme + 3 - s->value) : 0;
	snprintf(buf, size, "%.*s***%s", (int)prefix, s->value, at);
	return buf;
}

static char *cli_show_settings(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	RAII_VAR(struct cbstatus_state *, state, NULL, ao2_cleanup);
	char when[64];
	struct ast_tm tm;
	struct timeval loaded;
	size_t i;

	switch (cmd) {
	case CLI_INIT:
		e->command = "cbstatus show settings";
		e->usage = "Usage: cbstatus show settings\n"
			"       Shows the cbstatus settings in use and where each came from\n"
			"       (cbstatus.conf [general], the CBSTATUS_* environment). The API\n"
			"       token and a proxy's credentials are never shown. Unlisted settings\n"
			"       have their defaults.\n";
		return NULL;
	case CLI_GENERATE:
		return NULL;
	}
	if (a->argc != 3) {
		return CLI_SHOWUSAGE;
	}
	ast_cli(a->fd, "cbstatus library %s, module built with cbstatus.h %d.%d.%d\n", cb_version(),
		CB_VERSION_MAJOR, CB_VERSION_MINOR, CB_VERSION_PATCH);
	state = state_ref();
	if (!state) {
		ast_cli(a->fd, "Not configured: set api_url in %s [general] and reload.\n", CONFIG_FILE);
		return CLI_SUCCESS;
	}
	loaded = ast_tv(state->loaded, 0);
	ast_localtime(&loaded, &tm, NULL);
	ast_strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
	ast_cli(a->fd, "Loaded %s\n", when);
	ast_cli(a->fd, "%-28s %-48s %s\n", "Setting", "Value", "From");
	for (i = 0; i < state->count; i++) {
		const struct setting *s = &state->settings[i];
		char shown[512];

		ast_cli(a->fd, "%-28s %-48s %s\n", s->key, shown_value(s, shown, sizeof shown),
			s->source);
	}
	return CLI_SUCCESS;
}

static char *cli_lookup(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	RAII_VAR(struct cbstatus_state *, state, NULL, ao2_cleanup);
	struct cb_result *result = NULL;
	struct cb_variables *vars;
	const char *locale;
	size_t i;

	switch (cmd) {
	case CLI_INIT:
		e->command = "cbstatus lookup";
		e->usage = "Usage: cbstatus lookup <number> [locale]\n"
			"       Looks the number up with the current settings and shows the CBSTATUS_*\n"
			"       variables CBStatus() would set, in its order.\n";
		return NULL;
	case CLI_GENERATE:
		return NULL;
	}
	if (a->argc != 3 && a->argc != 4) {
		return CLI_SHOWUSAGE;
	}
	state = state_ref();
	if (!state) {
		ast_cli(a->fd, "Not configured: set api_url in %s [general] and reload.\n", CONFIG_FILE);
		return CLI_FAILURE;
	}
	locale = a->argc == 4 ? a->argv[3] : NULL;
	cb_client_lookup(state->client, a->argv[2], &result);
	if (!result) {
		return CLI_FAILURE;
	}
	vars = cb_result_variables(result, locale); /* the variables CBStatus() would set */
	for (i = 0; i < cb_variables_count(vars); i++) {
		/* Shown by field, as CBSTATUS() reads it: CBSTATUS_WAIT_SECONDS is wait_seconds. */
		char field[64];
		size_t k;
		ast_copy_string(field, cb_variables_name(vars, i) + strlen("CBSTATUS_"), sizeof field);
		for (k = 0; field[k]; k++) {
			field[k] = tolower((unsigned char)field[k]);
		}
		ast_cli(a->fd, "%-18s %s\n", field, cb_variables_value(vars, i));
	}
	cb_variables_free(vars);
	if (cb_result_error(result) != CB_OK) {
		ast_cli(a->fd, "%-18s %s\n", "message", cb_result_error_message(result));
	}
	cb_result_free(result);
	return CLI_SUCCESS;
}

static char *cli_show_stats(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	RAII_VAR(struct cbstatus_state *, state, NULL, ao2_cleanup);
	char *json = NULL;

	switch (cmd) {
	case CLI_INIT:
		e->command = "cbstatus show stats";
		e->usage = "Usage: cbstatus show stats\n"
			"       Shows the client's counters (requests, errors, durations, cache, breaker)\n"
			"       as JSON, since the last load or reload.\n";
		return NULL;
	case CLI_GENERATE:
		return NULL;
	}
	if (a->argc != 3) {
		return CLI_SHOWUSAGE;
	}
	state = state_ref();
	if (!state || cb_client_stats_json(state->client, &json) != CB_OK) {
		ast_cli(a->fd, "Not configured: set api_url in %s [general] and reload.\n", CONFIG_FILE);
		return CLI_FAILURE;
	}
	ast_cli(a->fd, "%s\n", json);
	cb_string_free(json);
	return CLI_SUCCESS;
}

static struct ast_cli_entry cli_entries[] = {
	AST_CLI_DEFINE(cli_show_stats, "Show the cbstatus client's counters"),
	AST_CLI_DEFINE(cli_show_settings, "Show the cbstatus settings (token masked)"),
	AST_CLI_DEFINE(cli_lookup, "Look a number up with cbstatus"),
};

/* --- load, reload, unload ----------------------------------------------------------------- */

static int unload_module(void)
{
	int res = 0;

	res |= ast_unregister_application(APP_NAME);
	res |= ast_custom_function_unregister(&cbstatus_function);
	res |= ast_custom_function_unregister(&prefetch_function);
	res |= ast_cli_unregister_multiple(cli_entries, ARRAY_LEN(cli_entries));
	/* Asterisk refused the unload while a call was inside: nothing holds a state now. */
	ao2_global_obj_release(global_state);
	reuse_clear();
	/* This module's code is unmapped after unload: no more callbacks into it. */
	cb_set_log_callback(NULL, CB_LOG_ERROR, NULL);
	cb_shutdown();
	return res;
}

/* Read the configuration again and swap the new client in; calls in progress keep theirs.
 * A bad new configuration keeps the old one. */
static int reload_module(void)
{
	struct cbstatus_state *state = state_load();

	if (!state) {
		ast_log(LOG_WARNING, "cbstatus: reload failed; keeping the previous settings\n");
		return -1;
	}
	ao2_global_obj_replace_unref(global_state, state);
	ao2_ref(state, -1);
	ast_log(LOG_NOTICE, "cbstatus: settings reloaded\n");
	return 0;
}

static int load_module(void)
{
	struct cbstatus_state *state;

	if (cb_version_number() != CB_VERSION_NUMBER) {
		ast_log(LOG_WARNING, "cbstatus: built with cbstatus.h %d.%d.%d, running library %s\n",
			CB_VERSION_MAJOR, CB_VERSION_MINOR, CB_VERSION_PATCH, cb_version());
	}
	cb_set_log_callback(log_to_asterisk, CB_LOG_INFO, NULL);
	state = state_load();
	if (!state) {
		cb_set_log_callback(NULL, CB_LOG_ERROR, NULL);
		return AST_MODULE_LOAD_DECLINE;
	}
	ao2_global_obj_replace_unref(global_state, state);
	ao2_ref(state, -1);

	if (ast_custom_function_register(&cbstatus_function)
		|| ast_custom_function_register(&prefetch_function)
		|| ast_register_application_xml(APP_NAME, cbstatus_exec)
		|| ast_cli_register_multiple(cli_entries, ARRAY_LEN(cli_entries))) {
		unload_module();
		return AST_MODULE_LOAD_DECLINE;
	}
	ast_log(LOG_NOTICE, "cbstatus: library %s ready (CBSTATUS(), CBStatus())\n", cb_version());
	return AST_MODULE_LOAD_SUCCESS;
}

AST_MODULE_INFO(ASTERISK_GPL_KEY, AST_MODFLAG_DEFAULT, "CBSTATUS()/CBStatus(): Mindful callback status (cbstatus)",
	.support_level = AST_MODULE_SUPPORT_EXTENDED,
	.load = load_module,
	.unload = unload_module,
	.reload = reload_module,
);
