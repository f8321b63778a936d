/*
 * cbstatus_words.h: the words a cbstatus PBX module puts in channel variables, shared by the
 * Asterisk module (bindings/asterisk/func_cbstatus.c) and the FreeSWITCH module
 * (bindings/freeswitch/mod_cbstatus.c) so both set exactly what `cbstatus agi` sets.
 * Header-only (static functions); include after <cbstatus.h>.
 */

#ifndef CBSTATUS_WORDS_H
#define CBSTATUS_WORDS_H

#include <string.h>

#include <cbstatus.h>

/* A value from the API as a safe word: lower-case [a-z0-9_], at most 32 characters, else
 * "other" ("" stays ""). Nothing Mindful sends can then steer a dialplan expression. */
static inline const char *cbw_safe_word(const char *value)
{
	size_t i, n = strlen(value);

	if (n > 32) {
		return "other";
	}
	for (i = 0; i < n; i++) {
		char c = value[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
			return "other";
		}
	}
	return value;
}

/* CBSTATUS_RESULT's word, as `cbstatus agi` sets it. */
static inline const char *cbw_result_word(const struct cb_result *result)
{
	if (cb_result_error(result) != CB_OK) {
		return "ERROR";
	}
	switch (cb_result_action(result)) {
	case CB_ACTION_CANCEL:
		switch (cb_result_cancel_outcome(result)) {
		case CB_CANCEL_CANCELED:
			return "CANCELED";
		case CB_CANCEL_NOT_FOUND:
			return "NOT_FOUND";
		case CB_CANCEL_TOO_MANY:
			return "TOO_MANY";
		default:
			return "FAILED";
		}
	case CB_ACTION_WIDGET:
		return cb_result_callbacks_available(result) ? "AVAILABLE" : "UNAVAILABLE";
	case CB_ACTION_REGISTER:
		switch (cb_result_register_outcome(result)) {
		case CB_REGISTER_REQUESTED:
			return "REQUESTED";
		case CB_REGISTER_DUPLICATE:
			return "DUPLICATE";
		case CB_REGISTER_REFUSED:
			return "REFUSED";
		case CB_REGISTER_INVALID_CONTACT:
			return "INVALID_CONTACT";
		case CB_REGISTER_INVALID_TIME:
			return "INVALID_TIME";
		default:
			return "FAILED";
		}
	default:
		return cb_result_found(result) ? "FOUND" : "NOT_FOUND";
	}
}

#endif /* CBSTATUS_WORDS_H */
