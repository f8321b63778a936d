/*
 * mod_cbstatus.c: the cbstatus FreeSWITCH module. Tells a caller where their Mindful callback
 * stands, in-process, with one shared client per module load.
 *
 *   API (fs_cli, event socket):  cbstatus <number> [field] [locale]
 *       field: text (default), ssml, prompts, playlist, json, result, error, status, type,
 *              position, wait_seconds, estimated_for, count (any channel variable's field)
 *   API:                         cbstatus stats   (the client's counters, JSON)
 *   Dialplan application:        cbstatus [number] [locale=<tag>]
 *                                         [action=status|cancel|widget|register] [widget=<id>]
 *                                         [at=<unix>]
 *                                cbstatus_prefetch [number]   (start the lookup early)
 *       sets CBSTATUS_PLAYLIST (a file_string:// playlist for `playback` over the sounds of
 *       `cbstatus prompts generate --layout freeswitch --dir <sound_dir>`), then the CBSTATUS_*
 *       channel variables of `cbstatus agi`: the library's list (cb_result_variables()),
 *       exactly its names, in its order (CBSTATUS_RESULT last), with its values.
 *
 * Configuration: autoload_configs/cbstatus.conf.xml,
 *   <configuration name="cbstatus.conf"><settings>
 *     <param name="api_url" value="https://..."/>      (any key of the cbstatus TOML file)
 *     <param name="sound_dir" value="/usr/share/freeswitch/sounds/cbstatus"/>  (this module's)
 *   </settings></configuration>
 * read after the CBSTATUS_CONFIG file and the CBSTATUS_* environment, which it overrides.
 * `reload mod_cbstatus` reads it again (FreeSWITCH unloads and loads the module).
 *
 * Threads: the API and the application run on any thread, many at once. The client is
 * thread-safe, holds no lock during network I/O and returns within timeout_ms. Each use holds
 * a read lock on the client; shutdown takes the write lock, so it waits for calls in
 * progress (at most timeout_ms) before freeing the client. FreeSWITCH itself refuses to
 * unload the module while a channel is inside its application ("Module in use").
 *
 * No value is derived here: the library makes them, with values from the API (status, type,
 * widget state) only as safe words. The locale (locale=<tag>, else the channel's
 * cbstatus_locale) goes to the library as it is; the library picks it.
 *
 * Build: see Makefile and README.md beside this file (`pkg-config freeswitch cbstatus`).
 * This module links FreeSWITCH (MPL 1.1).
 */

#include <switch.h>

#include <cbstatus.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

SWITCH_MODULE_LOAD_FUNCTION(mod_cbstatus_load);
SWITCH_MODULE_SHUTDOWN_FUNCTION(mod_cbstatus_shutdown);
SWITCH_MODULE_DEFINITION(mod_cbstatus, mod_cbstatus_load, mod_cbstatus_shutdown, NULL);

#define CONFIG_FILE "cbstatus.conf"
#define API_SYNTAX "<number> [text|ssml|prompts|playlist|json|result|error|status|type|position|wait_seconds|estimated_for|count] [locale]"
#define APP_SYNTAX "[number] [locale=<tag>] [action=status|cancel|widget|register] [widget=<id>] [at=<unix>] [profile=<name>]"

#define MAX_PARAMS 64
#define MAX_PROFILES 8

static struct {
	struct cb_client *client;      /* one per module load */
	switch_thread_rwlock_t *lock;  /* read: a call uses a client; write: shutdown */
	char sound_dir[512];           /* where the FreeSWITCH layout of the sounds lives */
	/* The cbstatus.conf.xml params, to make the client of a profile (action profile=NAME):
	 * the same settings plus `profile`, one client per profile, made on first use. */
	char *params[MAX_PARAMS][2];
	int param_count;
	switch_mutex_t *profile_mutex;
	switch_memory_pool_t *pool;
	char *profile_names[MAX_PROFILES];
	struct cb_client *profile_clients[MAX_PROFILES];
} globals;

/* cbstatus diagnostics into FreeSWITCH's log, from any thread. The message never contains the
 * API token and shows numbers by their last 4 digits. */
static void log_to_freeswitch(int32_t level, const char *message, void *userdata)
{
	switch_log_level_t fs_level = SWITCH_LOG_DEBUG;

	(void)userdata;
	if (level == CB_LOG_ERROR) {
		fs_level = SWITCH_LOG_ERROR;
	} else if (level == CB_LOG_WARN) {
		fs_level = SWITCH_LOG_WARNING;
	}
	switch_log_printf(SWITCH_CHANNEL_LOG, fs_level, "cbstatus: %s\n", message);
}



/* The playlist (in the locale `cb_result_variables()` picks for `language`) or the JSON as a
 * new string (cb_string_free), or NULL (logged). */
static char *rendering(const struct cb_result *result, const char *field, const char *language,
	const char *sound_dir)
{
	char *out = NULL;
	int32_t status;

	if (!strcasecmp(field, "playlist")) {
		struct cb_variables *vars = cb_result_variables(result, language);
		status = cb_result_playlist(result, cb_variables_locale(vars), sound_dir, &out);
		cb_variables_free(vars);
	} else {
		status = cb_result_render(result, CB_FORMAT_JSON, language, &out);
	}
	if (status != CB_OK && status != CB_E_UNKNOWN_LOCALE) {
		char message[256];
		cb_last_error_message(message, sizeof message);
		switch_log_printf(SWITCH_CHANNEL_LOG, SWITCH_LOG_WARNING, "cbstatus: %s: %s\n", field,
			message);
	}
	return out;
}

/* --- API: cbstatus <number> [field] [locale] ------------------------------------------------ */

SWITCH_STANDARD_API(cbstatus_api)
{
	char *argv[4] = { 0 };
	char *copy;
	int argc;
	const char *field, *locale;
	struct cb_result *result = NULL;
	char *value = NULL;

	(void)session;
	if (zstr(cmd)) {
		stream->write_function(stream, "-USAGE: cbstatus %s | cbstatus stats\n", API_SYNTAX);
		return SWITCH_STATUS_SUCCESS;
	}
	if (!strcasecmp(cmd, "stats")) { /* the client's counters as JSON */
		char *json = NULL;
		switch_thread_rwlock_rdlock(globals.lock);
		if (globals.client && cb_client_stats_json(globals.client, &json) == CB_OK) {
			stream->write_function(stream, "%s\n", json);
		} else {
			stream->write_function(stream, "-ERR cbstatus is not configured\n");
		}
		switch_thread_rwlock_unlock(globals.lock);
		cb_string_free(json);
		return SWITCH_STATUS_SUCCESS;
	}
	copy = strdup(cmd);
	if (!copy) {
		return SWITCH_STATUS_MEMERR;
	}
	argc = switch_separate_string(copy, ' ', argv, 4);
	field = argc > 1 ? argv[1] : "text";
	locale = argc > 2 ? argv[2] : NULL;
	if (argc > 3) {
		stream->write_function(stream, "-USAGE: cbstatus %s\n", API_SYNTAX);
		free(copy);
		return SWITCH_STATUS_SUCCESS;
	}
	switch_thread_rwlock_rdlock(globals.lock);
	if (!globals.client) {
		stream->write_function(stream, "-ERR cbstatus is not configured (see %s.xml)\n",
			CONFIG_FILE);
	} else {
		cb_client_lookup(globals.client, argv[0], &result);
	}
	switch_thread_rwlock_unlock(globals.lock);
	if (result) {
		if (!strcasecmp(field, "playlist") || !strcasecmp(field, "json")) {
			char *text = rendering(result, field, locale, globals.sound_dir);
			stream->write_function(stream, "%s\n", text ? text : "");
			cb_string_free(text);
		} else if (cb_result_variable(result, field, locale, &value) == CB_OK) {
			/* One variable of the library's list, as the application sets it. */
			stream->write_function(stream, "%s\n", value);
			cb_string_free(value);
		} else {
			stream->write_function(stream, "-ERR unknown field '%s'; usage: cbstatus %s\n", field,
				API_SYNTAX);
		}
		cb_result_free(result);
	}
	free(copy);
	return SWITCH_STATUS_SUCCESS;
}

/* --- application: cbstatus [number] [locale=<tag>] [action=...] [widget=<id>] -------------- */

/* The caller's own number, or "" when it is hidden or a placeholder (FreeSWITCH never leaves
 * caller_id_number empty: an empty one becomes 0000000000). */
static const char *caller_number(switch_channel_t *channel)
{
	const char *number = switch_channel_get_variable(channel, "caller_id_number");
	const char *hide = switch_channel_get_variable(channel, "privacy_hide_number");

	if (zstr(number) || switch_true(hide) || !strcmp(number, "0000000000")
		|| !strcasecmp(number, "anonymous") || !strcasecmp(number, "unknown")) {
		return "";
	}
	return number;
}

static void set_var(switch_channel_t *channel, const char *name, const char *value)
{
	switch_channel_set_variable(channel, name, value ? value : "");
}

/* The client of a profile ([profiles.NAME] of the CBSTATUS_CONFIG file over the same
 * settings), made on first use; NULL on error (logged). Call with the read lock held. */
static struct cb_client *profile_client(const char *name)
{
	struct cb_client *client = NULL;
	struct cb_config *config = NULL;
	char message[512];
	int i, k, ok = 1;

	switch_mutex_lock(globals.profile_mutex);
	for (i = 0; i < MAX_PROFILES && globals.profile_names[i]; i++) {
		if (!strcmp(globals.profile_names[i], name)) {
			client = globals.profile_clients[i];
			switch_mutex_unlock(globals.profile_mutex);
			return client;
		}
	}
	if (i < MAX_PROFILES && cb_config_from_env(&config) == CB_OK) {
		for (k = 0; k < globals.param_count && ok; k++) {
			int32_t st = cb_config_set(config, globals.params[k][0], globals.params[k][1]);
			ok = st == CB_OK || st == CB_E_UNKNOWN_LOCALE;
		}
		if (ok && cb_config_set(config, "profile", name) == CB_OK
			&& cb_client_new(config, &client) == CB_OK) {
			globals.profile_names[i] = switch_core_strdup(globals.pool, name);
			globals.profile_clients[i] = client;
		} else {
			client = NULL;
		}
	}
	if (!client) {
		cb_last_error_message(message, sizeof message);
		switch_log_printf(SWITCH_CHANNEL_LOG, SWITCH_LOG_ERROR, "cbstatus: profile '%s': %s\n",
			name, message);
	}
	cb_config_free(config);
	switch_mutex_unlock(globals.profile_mutex);
	return client;
}

/* A request that could not be made at all (no result): the library's list for that failure
 * (the fallback sentence, CBSTATUS_ERROR, CBSTATUS_RESULT=ERROR last), set the same way. */
static void set_failure(switch_channel_t *channel, const char *action, int32_t code,
	const char *locale)
{
	int32_t action_code = !strcasecmp(action, "cancel") ? CB_ACTION_CANCEL
		: !strcasecmp(action, "widget") ? CB_ACTION_WIDGET
		: !strcasecmp(action, "register") ? CB_ACTION_REGISTER : CB_ACTION_STATUS;
	struct cb_variables *vars = cb_failed_variables(action_code, code, locale);
	size_t i;

	for (i = 0; i < cb_variables_count(vars); i++) {
		set_var(channel, cb_variables_name(vars, i), cb_variables_value(vars, i));
	}
	cb_variables_free(vars);
}

SWITCH_STANDARD_APP(cbstatus_app)
{
	switch_channel_t *channel = switch_core_session_get_channel(session);
	char *argv[8] = { 0 };
	char *copy = switch_core_session_strdup(session, switch_str_nil(data));
	const char *number = NULL, *locale = NULL, *widget_id = NULL, *action = "status";
	const char *profile = NULL;
	struct cb_client *client = NULL;
	int64_t at = 0;
	const char *sound_dir = switch_channel_get_variable(channel, "cbstatus_sound_dir");
	struct cb_result *result = NULL;
	struct cb_variables *vars;
	char *playlist;
	size_t k;
	int argc, i;

	argc = switch_separate_string(copy, ' ', argv, 8);
	for (i = 0; i < argc; i++) {
		if (zstr(argv[i])) {
			continue;
		} else if (!strncasecmp(argv[i], "locale=", 7)) {
			locale = argv[i][7] ? argv[i] + 7 : NULL;
		} else if (!strncasecmp(argv[i], "action=", 7)) {
			action = argv[i] + 7;
		} else if (!strncasecmp(argv[i], "widget=", 7)) {
			widget_id = argv[i][7] ? argv[i] + 7 : NULL;
		} else if (!strncasecmp(argv[i], "profile=", 8)) {
			profile = argv[i][8] ? argv[i] + 8 : NULL;
		} else if (!strncasecmp(argv[i], "at=", 3)) {
			at = strtoll(argv[i] + 3, NULL, 10);
		} else if (!number) {
			number = argv[i];
		} else {
			switch_log_printf(SWITCH_CHANNEL_SESSION_LOG(session), SWITCH_LOG_WARNING,
				"cbstatus: ignoring '%s'; usage: cbstatus %s\n", argv[i], APP_SYNTAX);
		}
	}
	if (zstr(number)) {
		number = caller_number(channel);
	}
	if (!locale) {
		locale = switch_channel_get_variable(channel, "cbstatus_locale");
		locale = zstr(locale) ? NULL : locale;
	}
	if (zstr(sound_dir)) {
		sound_dir = globals.sound_dir;
	}

	switch_thread_rwlock_rdlock(globals.lock);
	if (globals.client) {
		client = profile ? profile_client(profile) : globals.client;
	}
	if (client) {
		if (!strcasecmp(action, "cancel")) {
			cb_client_cancel(client, number, &result);
		} else if (!strcasecmp(action, "widget")) {
			cb_client_widget_status(client, widget_id, &result);
		} else if (!strcasecmp(action, "register")) { /* sent once, never retried */
			cb_client_register(client, number, widget_id, at, &result);
		} else {
			if (strcasecmp(action, "status")) {
				switch_log_printf(SWITCH_CHANNEL_SESSION_LOG(session), SWITCH_LOG_WARNING,
					"cbstatus: unknown action '%s' (status, cancel, widget); looking up status\n",
					action);
			}
			cb_client_lookup(client, number, &result);
		}
	}
	switch_thread_rwlock_unlock(globals.lock);

	if (!result && profile && globals.client) { /* never fall back to another client */
		set_failure(channel, action, CB_E_INVALID_CONFIG, locale);
		return;
	}
	if (!result) {
		switch_log_printf(SWITCH_CHANNEL_SESSION_LOG(session), SWITCH_LOG_ERROR,
			"cbstatus: not configured (see %s.xml)\n", CONFIG_FILE);
		set_failure(channel, action, CB_E_NOT_CONFIGURED, locale);
		return;
	}
	/* This module's own variable first, in the locale of the list that follows... */
	vars = cb_result_variables(result, locale);
	playlist = NULL;
	if (cb_result_playlist(result, cb_variables_locale(vars), sound_dir, &playlist) != CB_OK) {
		char message[256];
		cb_last_error_message(message, sizeof message);
		switch_log_printf(SWITCH_CHANNEL_SESSION_LOG(session), SWITCH_LOG_WARNING,
			"cbstatus: playlist: %s\n", message);
	}
	set_var(channel, "CBSTATUS_PLAYLIST", playlist);
	cb_string_free(playlist);
	/* ... then the library's list, in its order: CBSTATUS_RESULT last, so an empty one means
	 * the application did not finish. */
	for (k = 0; k < cb_variables_count(vars); k++) {
		set_var(channel, cb_variables_name(vars, k), cb_variables_value(vars, k));
	}
	cb_variables_free(vars);
	cb_result_free(result);
}

/* cbstatus_prefetch [number]: start the lookup in the background (e.g. before the greeting);
 * a later `cbstatus` of the number joins it. Sets CBSTATUS_PREFETCH to 1 when started. */
SWITCH_STANDARD_APP(cbstatus_prefetch_app)
{
	switch_channel_t *channel = switch_core_session_get_channel(session);
	const char *number = zstr(data) ? caller_number(channel) : data;
	int32_t status = CB_E_NOT_CONFIGURED;

	switch_thread_rwlock_rdlock(globals.lock);
	if (globals.client) {
		status = cb_client_prefetch(globals.client, number);
	}
	switch_thread_rwlock_unlock(globals.lock);
	set_var(channel, "CBSTATUS_PREFETCH", status == CB_OK ? "1" : "");
}

/* --- configuration, load, shutdown ------------------------------------------------------- */

/* A client from the environment and cbstatus.conf.xml; NULL on error (logged). */
static struct cb_client *load_client(void)
{
	struct cb_config *config = NULL;
	struct cb_client *client = NULL;
	switch_xml_t xml, cfg, settings, param;
	char message[512];
	const char *sounds = switch_core_get_variable("sounds_dir");

	switch_snprintf(globals.sound_dir, sizeof globals.sound_dir, "%s/cbstatus",
		zstr(sounds) ? "/usr/share/freeswitch/sounds" : sounds);
	if (cb_config_from_env(&config) != CB_OK) {
		cb_last_error_message(message, sizeof message);
		switch_log_printf(SWITCH_CHANNEL_LOG, SWITCH_LOG_ERROR,
			"cbstatus: bad CBSTATUS_* environment or CBSTATUS_CONFIG: %s\n", message);
		return NULL;
	}
	if ((xml = switch_xml_open_cfg(CONFIG_FILE, &cfg, NULL))) {
		if ((settings = switch_xml_child(cfg, "settings"))) {
			for (param = switch_xml_child(settings, "param"); param; param = param->next) {
				const char *name = switch_xml_attr_soft(param, "name");
				const char *value = switch_xml_attr_soft(param, "value");
				int32_t status;

				if (!strcasecmp(name, "sound_dir")) {
					switch_copy_string(globals.sound_dir, value, sizeof globals.sound_dir);
					continue;
				}
				status = cb_config_set(config, name, value);
				if (globals.param_count < MAX_PARAMS && globals.pool) {
					globals.params[globals.param_count][0] = switch_core_strdup(globals.pool, name);
					globals.params[globals.param_count][1] = switch_core_strdup(globals.pool, value);
					globals.param_count++;
				}
				if (status != CB_OK) {
					cb_last_error_message(message, sizeof message);
					switch_log_printf(SWITCH_CHANNEL_LOG,
						status == CB_E_UNKNOWN_LOCALE ? SWITCH_LOG_WARNING : SWITCH_LOG_ERROR,
						"cbstatus: %s.xml param %s: %s\n", CONFIG_FILE, name, message);
					if (status != CB_E_UNKNOWN_LOCALE) {
						switch_xml_free(xml);
						cb_config_free(config);
						return NULL;
					}
				}
			}
		}
		switch_xml_free(xml);
	}
	if (cb_client_new(config, &client) != CB_OK) {
		cb_last_error_message(message, sizeof message);
		switch_log_printf(SWITCH_CHANNEL_LOG, SWITCH_LOG_ERROR,
			"cbstatus: %s (set <param name=\"api_url\" value=\"...\"/> in %s.xml)\n", message,
			CONFIG_FILE);
		client = NULL;
	}
	cb_config_free(config);
	return client;
}

/* FreeSWITCH runs with small stacks (SWITCH_THREAD_STACKSIZE, 240 KiB, also the main thread's
 * limit): reading the configuration and the system time zone needs more in a debug build of
 * the library, so the client is made on a thread of its own with a roomy stack. */
static void *load_client_thread(void *out)
{
	*(struct cb_client **)out = load_client();
	return NULL;
}

static struct cb_client *load_client_on_big_stack(void)
{
	struct cb_client *client = NULL;
	pthread_attr_t attr;
	pthread_t thread;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 8 * 1024 * 1024);
	if (pthread_create(&thread, &attr, load_client_thread, &client) != 0) {
		pthread_attr_destroy(&attr);
		return load_client();
	}
	pthread_join(thread, NULL);
	pthread_attr_destroy(&attr);
	return client;
}

SWITCH_MODULE_LOAD_FUNCTION(mod_cbstatus_load)
{
	switch_api_interface_t *api_interface;
	switch_application_interface_t *app_interface;

	memset(&globals, 0, sizeof globals);
	globals.pool = pool;
	switch_mutex_init(&globals.profile_mutex, SWITCH_MUTEX_NESTED, pool);
	if (cb_version_number() != CB_VERSION_NUMBER) {
		switch_log_printf(SWITCH_CHANNEL_LOG, SWITCH_LOG_WARNING,
			"cbstatus: built with cbstatus.h %d.%d.%d, running library %s\n", CB_VERSION_MAJOR,
			CB_VERSION_MINOR, CB_VERSION_PATCH, cb_version());
	}
	cb_set_log_callback(log_to_freeswitch, CB_LOG_INFO, NULL);
	globals.client = load_client_on_big_stack();
	if (!globals.client) {
		cb_set_log_callback(NULL, CB_LOG_ERROR, NULL);
		return SWITCH_STATUS_FALSE;
	}
	switch_thread_rwlock_create(&globals.lock, pool);

	*module_interface = switch_loadable_module_create_module_interface(pool, modname);
	SWITCH_ADD_API(api_interface, "cbstatus", "Mindful callback status (cbstatus)", cbstatus_api,
		API_SYNTAX);
	SWITCH_ADD_APP(app_interface, "cbstatus", "Mindful callback status",
		"Looks up the caller's Mindful callback and sets the CBSTATUS_* channel variables.",
		cbstatus_app, APP_SYNTAX, SAF_SUPPORT_NOMEDIA);
	SWITCH_ADD_APP(app_interface, "cbstatus_prefetch", "Start a callback lookup early",
		"Starts the caller's lookup in the background; a later cbstatus joins it.",
		cbstatus_prefetch_app, "[number]", SAF_SUPPORT_NOMEDIA);
	switch_console_set_complete("add cbstatus");
	switch_log_printf(SWITCH_CHANNEL_LOG, SWITCH_LOG_NOTICE,
		"cbstatus: library %s ready (sounds in %s)\n", cb_version(), globals.sound_dir);
	return SWITCH_STATUS_SUCCESS;
}

SWITCH_MODULE_SHUTDOWN_FUNCTION(mod_cbstatus_shutdown)
{
	int i;

	switch_console_set_complete("del cbstatus");
	/* Waits for lookups in progress (each at most timeout_ms), then no one uses the client. */
	switch_thread_rwlock_wrlock(globals.lock);
	cb_client_free(globals.client);
	globals.client = NULL;
	for (i = 0; i < MAX_PROFILES; i++) {
		cb_client_free(globals.profile_clients[i]);
		globals.profile_clients[i] = NULL;
	}
	switch_thread_rwlock_unlock(globals.lock);
	/* This module's code is unmapped next: no more callbacks into it. */
	cb_set_log_callback(NULL, CB_LOG_ERROR, NULL);
	cb_shutdown();
	return SWITCH_STATUS_SUCCESS;
}
