/* Settings through the C API, step by step, for tests/config_contradictions.rs. Each argument
 * group is one step; each step prints one line:
 *
 *   set KEY VALUE   -> "set rc=<code> msg=<cb_last_error_message>"   (cb_config_set)
 *   load PATH       -> "load rc=<code> msg=<...>"                    (cb_config_load_file)
 *   client          -> "client rc=<code> msg=<...>"                  (cb_client_new)
 *   lookup NUMBER   -> "lookup rc=<code> error=<cb_result_error>"    (cb_client_lookup)
 *
 * on one cb_config made by cb_config_new. */
#include "cbstatus.h"

#include <stdio.h>
#include <string.h>

static void report(const char *step, int32_t rc) {
  char msg[1024];
  msg[0] = '\0';
  if (rc != CB_OK) {
    cb_last_error_message(msg, sizeof msg);
  }
  printf("%s rc=%d msg=%s\n", step, (int)rc, msg);
}

int main(int argc, char **argv) {
  struct cb_config *config = NULL;
  struct cb_client *client = NULL;
  int i = 1;
  if (cb_config_new(&config) != CB_OK) {
    return 1;
  }
  while (i < argc) {
    if (strcmp(argv[i], "set") == 0 && i + 2 < argc) {
      report("set", cb_config_set(config, argv[i + 1], argv[i + 2]));
      i += 3;
    } else if (strcmp(argv[i], "load") == 0 && i + 1 < argc) {
      report("load", cb_config_load_file(config, argv[i + 1]));
      i += 2;
    } else if (strcmp(argv[i], "client") == 0) {
      cb_client_free(client);
      client = NULL;
      report("client", cb_client_new(config, &client));
      i += 1;
    } else if (strcmp(argv[i], "lookup") == 0 && i + 1 < argc) {
      struct cb_result *result = NULL;
      int32_t rc = cb_client_lookup(client, argv[i + 1], &result);
      printf("lookup rc=%d error=%d\n", (int)rc, (int)cb_result_error(result));
      cb_result_free(result);
      i += 2;
    } else {
      fprintf(stderr, "config_check: bad step %s\n", argv[i]);
      return 2;
    }
  }
  cb_client_free(client);
  cb_config_free(config);
  return 0;
}
