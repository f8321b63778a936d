/*
 * channel_variables: prints the CBSTATUS_* channel variables of one request as a PBX module
 * sets them, by looping over cb_result_variables(): one "NAME<TAB>VALUE" line each, in order.
 * (tests/channel_variables.rs compares them with every other surface.)
 *
 *     channel_variables status|cancel|widget|offer NUMBER-OR-WIDGET [LANGUAGE]
 *
 * Configured from the CBSTATUS_* environment.
 */
#include <cbstatus.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	cb_config *config = NULL;
	cb_client *client = NULL;
	cb_result *result = NULL;
	cb_variables *vars;
	const char *action, *target, *language;
	size_t i;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: channel_variables ACTION TARGET [LANGUAGE]\n");
		return 2;
	}
	action = argv[1];
	target = argv[2];
	language = argc == 4 ? argv[3] : NULL;
	if (cb_config_from_env(&config) != CB_OK || cb_client_new(config, &client) != CB_OK) {
		char message[256];
		cb_last_error_message(message, sizeof message);
		fprintf(stderr, "channel_variables: %s\n", message);
		return 1;
	}
	cb_config_free(config);
	if (!strcmp(action, "cancel")) {
		cb_client_cancel(client, target, &result);
	} else if (!strcmp(action, "widget")) {
		cb_client_widget_status(client, target, &result);
	} else if (!strcmp(action, "offer")) {
		cb_client_offer(client, target, &result);
	} else {
		cb_client_lookup(client, target, &result);
	}
	vars = cb_result_variables(result, language);
	if (!vars) {
		fprintf(stderr, "channel_variables: no variables (%s)\n",
			cb_status_name(cb_last_error_code()));
		return 1;
	}
	for (i = 0; i < cb_variables_count(vars); i++) {
		printf("%s\t%s\n", cb_variables_name(vars, i), cb_variables_value(vars, i));
	}
	cb_variables_free(vars);
	cb_result_free(result);
	cb_client_free(client);
	cb_shutdown();
	return 0;
}
