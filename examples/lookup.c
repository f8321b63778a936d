/*
 * lookup.c: look up a caller's callback with cbstatus's C API and print what to say.
 *
 *     lookup NUMBER [FORMAT] [LOCALE]
 *
 * NUMBER  the caller number in any caller-id shape: +15551234567, 5551234567, "(555) 123-4567"
 * FORMAT  text (default), ssml, prompts or json
 * LOCALE  en-US, es-US, ... (default: CBSTATUS_LOCALE, else en-US)
 *
 * Settings come from the environment, exactly as for the cbstatus command line:
 * CBSTATUS_API_URL (required), CBSTATUS_API_TOKEN, CBSTATUS_TIMEOUT_MS, CBSTATUS_CONFIG, ...
 * Set LOOKUP_VERBOSE=1 to see cbstatus's own diagnostics on stderr.
 *
 * Exit status, as for `cbstatus lookup`:
 *   0  Mindful answered (the caller has a callback, or has none)
 *   1  the lookup failed; the fallback sentence was printed, so there is still something to say
 *   2  usage error, bad configuration or invalid number
 *
 * Build against an installed library (cargo cinstall, or the Debian package):
 *     cc -std=c99 -Wall lookup.c $(pkg-config --cflags --libs cbstatus) -o lookup
 * or statically (--static adds the system libraries the archive needs; where the shared object
 * is installed too the linker prefers it, so write -l:libcbstatus.a for -lcbstatus):
 *     cc -std=c99 -Wall lookup.c $(pkg-config --static --cflags --libs cbstatus) -o lookup
 * or against a source tree after `cargo build --release`:
 *     cc -std=c99 -Wall -Iinclude lookup.c -Ltarget/release -lcbstatus \
 *        -Wl,-rpath,"$PWD/target/release" -o lookup
 *
 * This is the program to copy when integrating cbstatus. The rules it shows:
 * - every `cb_*_new` / `cb_client_lookup` / `cb_result_render` output has exactly one matching
 *   free (`cb_config_free`, `cb_client_free`, `cb_result_free`, `cb_string_free`);
 * - `const char *` accessors lend strings owned by the result: copy them if they must outlive
 *   `cb_result_free`;
 * - a failed lookup still gives a result that renders a sentence to say: a caller is never
 *   left in silence.
 *
 * The one-shot alternative, for a host that only wants a sentence:
 *
 *     char *text = cb_status_lookup(number);   // process-wide client, configured from the
 *     speak(text);                             // environment on first use; never NULL unless
 *     cb_string_free(text);                    // memory is exhausted; plain text only
 *     if (cb_last_error_code() != CB_OK) ...   // same thread, right after the call
 *
 * and `cb_shutdown()` before the host unloads the module that called it. The handle API below
 * gives the fields, the other formats and explicit settings (e.g. per-tenant clients).
 */
#include <cbstatus.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit codes, matching `cbstatus lookup`. */
enum { EXIT_ANSWERED = 0, EXIT_LOOKUP_FAILED = 1, EXIT_USAGE = 2 };

static void usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s NUMBER [text|ssml|prompts|json] [LOCALE]\n"
            "  settings from CBSTATUS_API_URL, CBSTATUS_API_TOKEN, CBSTATUS_CONFIG, ...\n",
            argv0);
}

/* "text" -> CB_FORMAT_TEXT, ...; -1 for an unknown name. */
static int32_t parse_format(const char *name) {
    if (strcmp(name, "text") == 0) return CB_FORMAT_TEXT;
    if (strcmp(name, "ssml") == 0) return CB_FORMAT_SSML;
    if (strcmp(name, "prompts") == 0) return CB_FORMAT_PROMPTS;
    if (strcmp(name, "json") == 0) return CB_FORMAT_JSON;
    return -1;
}

/* The last error of this thread, e.g. after cb_config_from_env() failed. The message says what
 * to do and never contains the API token. */
static void print_last_error(const char *what) {
    char message[512];
    int32_t code = cb_last_error_code();
    cb_last_error_message(message, sizeof message); /* truncates safely, always NUL-terminated */
    fprintf(stderr, "lookup: %s [%s]: %s\n", what, cb_status_name(code), message);
}

/* Optional diagnostics. May be called from any thread; the message is only valid during the
 * call. cbstatus never writes to stdout/stderr by itself. */
static void log_to_stderr(int32_t level, const char *message, void *userdata) {
    static const char *const names[] = {"?", "error", "warn", "info", "debug"};
    (void)userdata;
    fprintf(stderr, "cbstatus[%s]: %s\n", names[level >= 1 && level <= 4 ? level : 0], message);
}

/* -1 means "unknown" for every int64_t accessor. */
static void print_number_field(const char *name, int64_t value) {
    if (value < 0)
        printf("%s: unknown\n", name);
    else
        printf("%s: %" PRId64 "\n", name, value);
}

int main(int argc, char **argv) {
    const char *number;
    const char *locale = NULL; /* NULL: the client's locale (CBSTATUS_LOCALE, else en-US) */
    int32_t format = CB_FORMAT_TEXT;
    cb_config *config = NULL;
    cb_client *client = NULL;
    cb_result *result = NULL;
    char *rendered = NULL;
    int32_t status, render_status;
    int exit_code;

    if (argc < 2 || argc > 4) {
        usage(argv[0]);
        return EXIT_USAGE;
    }
    number = argv[1];
    if (argc >= 3 && (format = parse_format(argv[2])) < 0) {
        fprintf(stderr, "lookup: unknown format '%s'\n", argv[2]);
        usage(argv[0]);
        return EXIT_USAGE;
    }
    if (argc >= 4) locale = argv[3];

    if (getenv("LOOKUP_VERBOSE") != NULL) cb_set_log_callback(log_to_stderr, CB_LOG_DEBUG, NULL);

    /* A header from another release than the library would misdescribe the ABI. */
    if (cb_version_number() != CB_VERSION_NUMBER)
        fprintf(stderr, "lookup: warning: built with cbstatus.h %d.%d.%d, running library %s\n",
                CB_VERSION_MAJOR, CB_VERSION_MINOR, CB_VERSION_PATCH, cb_version());

    /* 1. Settings: CBSTATUS_CONFIG (a TOML file) then the CBSTATUS_* environment variables.
     *    cb_config_set(config, "timeout_ms", "1500") could adjust them here. */
    if (cb_config_from_env(&config) != CB_OK) {
        print_last_error("bad configuration");
        return EXIT_USAGE;
    }

    /* 2. A client. It copies the settings, so they can be freed at once. In a PBX module,
     *    create one client at load time and share it between all channel threads: it is
     *    thread-safe and reuses its connections. */
    status = cb_client_new(config, &client);
    if (status != CB_OK) {
        /* Read the last error first: every cbstatus call, even cb_config_free, resets it. */
        print_last_error("cannot create the client"); /* e.g. CB_E_NOT_CONFIGURED: no API URL */
        cb_config_free(config);
        return EXIT_USAGE;
    }
    cb_config_free(config);

    /* 3. The lookup. Blocks for at most CBSTATUS_TIMEOUT_MS (default 2 s). Except for NULL
     *    arguments, it always gives a result, even when it fails. */
    status = cb_client_lookup(client, number, &result);
    if (result == NULL) { /* only for NULL client/out: cannot happen here */
        print_last_error("lookup");
        cb_client_free(client);
        return EXIT_LOOKUP_FAILED;
    }
    if (status == CB_E_INVALID_NUMBER || status == CB_E_INVALID_UTF8) {
        /* Nothing to look up: anonymous, "unknown", letters, wrong length. An IVR would say
         * the fallback (rendering still works) or ask the caller to key in their number. */
        fprintf(stderr, "lookup: invalid number '%s': %s\n", number,
                cb_result_error_message(result));
        cb_result_free(result);
        cb_client_free(client);
        return EXIT_USAGE;
    }
    if (status != CB_OK) {
        /* Timeout, API down, circuit breaker open, unauthorized, ... The rendering below is the
         * fallback sentence ("Sorry, we can't check your callback right now."). */
        fprintf(stderr, "lookup: request failed: %s: %s\n", cb_status_name(status),
                cb_result_error_message(result));
    }

    /* 4. What to say. The string is ours: release it with cb_string_free (never free()). */
    render_status = cb_result_render(result, format, locale, &rendered);
    if (render_status == CB_E_UNKNOWN_LOCALE)
        fprintf(stderr, "lookup: locale '%s' is not available; said in English\n", locale);
    else if (render_status != CB_OK)
        print_last_error("render"); /* only for bad arguments; rendered stays NULL */
    if (rendered != NULL) printf("%s\n", rendered);
    cb_string_free(rendered);

    /* 5. The fields, for dialplan logic (e.g. route callers who are next in line). Strings are
     *    lent by the result ("" when absent) and die with cb_result_free. Meaningful when
     *    status == CB_OK; a failed lookup reads as "not found". */
    printf("\n");
    printf("error: %s\n", cb_status_name(cb_result_error(result)));
    printf("found: %s\n", cb_result_found(result) ? "yes" : "no");
    printf("count: %" PRIu32 "\n", cb_result_count(result));
    printf("number: %s\n", cb_result_number(result));
    printf("status: %s\n", cb_result_status(result));
    printf("type: %s\n", cb_result_type(result));
    print_number_field("position", cb_result_position(result));
    print_number_field("wait_seconds", cb_result_wait_seconds(result));
    print_number_field("estimated_for", cb_result_estimated_for(result)); /* Unix seconds */

    exit_code = status == CB_OK ? EXIT_ANSWERED : EXIT_LOOKUP_FAILED;

    /* 6. Release in any order; results stay valid after their client is freed. */
    cb_result_free(result);
    cb_client_free(client);
    return exit_code;
}
