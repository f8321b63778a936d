/* Load libcbstatus with dlopen, use it from several threads while the main thread calls
 * cb_shutdown(), then dlclose it, and repeat (tests/stress.rs). argv[1] is the path of
 * libcbstatus.so; CBSTATUS_API_URL points at a simulator with the demo numbers.
 * Exits 0 and prints "dlopen cycles passed" when every check held. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CYCLES 5
#define THREADS 4
#define LOOKUPS 10

typedef char *(*lookup_fn)(const char *);
typedef void (*free_fn)(char *);
typedef void (*shutdown_fn)(void);
typedef int32_t (*code_fn)(void);

struct api {
  lookup_fn lookup;
  free_fn string_free;
  shutdown_fn shutdown;
  code_fn last_error_code;
};

static void *worker(void *arg) {
  const struct api *api = (const struct api *)arg;
  long bad = 0;
  int i;
  for (i = 0; i < LOOKUPS; i++) {
    const char *number = (i % 2 == 0) ? "+15551230001" : "+15551230099";
    char *text = api->lookup(number);
    int32_t code = api->last_error_code();
    if (text == NULL || strlen(text) == 0) bad++;
    /* Shutdown may race with a lookup: that lookup still answers (it holds its client). */
    if (code != 0) {
      fprintf(stderr, "lookup %s: code %d\n", number, code);
      bad++;
    }
    if (i % 2 == 0 && text != NULL && strstr(text, "12 minutes") == NULL) {
      fprintf(stderr, "unexpected text: %s\n", text);
      bad++;
    }
    api->string_free(text);
  }
  return (void *)bad;
}

int main(int argc, char **argv) {
  int cycle, i, failures = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: dlopen_cycle /path/to/libcbstatus.so\n");
    return 2;
  }
  for (cycle = 0; cycle < CYCLES; cycle++) {
    pthread_t threads[THREADS];
    struct api api;
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
      fprintf(stderr, "dlopen: %s\n", dlerror());
      return 1;
    }
    /* POSIX allows converting dlsym's void * to a function pointer through this idiom. */
    *(void **)(&api.lookup) = dlsym(lib, "cb_status_lookup");
    *(void **)(&api.string_free) = dlsym(lib, "cb_string_free");
    *(void **)(&api.shutdown) = dlsym(lib, "cb_shutdown");
    *(void **)(&api.last_error_code) = dlsym(lib, "cb_last_error_code");
    if (!api.lookup || !api.string_free || !api.shutdown || !api.last_error_code) {
      fprintf(stderr, "dlsym failed\n");
      return 1;
    }
    for (i = 0; i < THREADS; i++) {
      if (pthread_create(&threads[i], NULL, worker, &api) != 0) failures++;
    }
    for (i = 0; i < 3; i++) api.shutdown();
    for (i = 0; i < THREADS; i++) {
      void *bad = NULL;
      pthread_join(threads[i], &bad);
      if (bad != NULL) failures++;
    }
    api.shutdown();
    api.shutdown(); /* idempotent */
    if (dlclose(lib) != 0) {
      fprintf(stderr, "dlclose: %s\n", dlerror());
      failures++;
    }
  }
  if (failures != 0) {
    fprintf(stderr, "%d failure(s)\n", failures);
    return 1;
  }
  printf("dlopen cycles passed\n");
  return 0;
}
