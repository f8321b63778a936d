/* LD_PRELOAD shim for tests/deadlines.rs: a slow resolver. Every getaddrinfo() call first
 * sleeps CB_SLOW_DNS_MS milliseconds (default 5000), then asks the real one. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdlib.h>
#include <time.h>

typedef int (*getaddrinfo_fn)(const char *, const char *, const struct addrinfo *,
                              struct addrinfo **);

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
  const char *delay = getenv("CB_SLOW_DNS_MS");
  long ms = delay != NULL ? strtol(delay, NULL, 10) : 5000;
  struct timespec ts;
  getaddrinfo_fn real = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
  if (real == NULL) return EAI_FAIL;
  return real(node, service, hints, res);
}
