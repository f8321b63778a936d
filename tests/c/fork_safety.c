/* Fork safety (issue 10, class 1), run by tests/fork.rs against a loopback server that answers
 * every callback_status request with forecast_waitlist_position = the last 3 digits of the
 * contact number, on keep-alive connections.
 *
 *   fork_safety shared   parent and child look up different numbers on one client shared
 *                        across fork(); each must hear its own position (an inherited pooled
 *                        socket made them read each other's replies).
 *   fork_safety hung     8 threads are inside lookups the server holds unanswered; the child's
 *                        first lookup of one of those numbers must answer within the deadline
 *                        (an inherited in-flight entry made it wait for a reply that never
 *                        comes to the child).
 *   fork_safety hammer   8 threads run lookups in a loop (cache hits and network requests, with
 *                        a log callback) while the main thread forks 30 times; every child's
 *                        first lookup must answer (a lock held by another thread at the fork
 *                        stayed locked for ever in the child). Each child runs under alarm().
 *   fork_safety oneshot  the same with cb_status_lookup(): its process-wide client was made
 *                        in the parent; each child's answer must be its own number's.
 *
 * CBSTATUS_API_URL names the server; the client timeout is 2000 ms. */
#define _POSIX_C_SOURCE 200809L
#include "cbstatus.h"

#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_MS 2000
#define THREADS 8

static cb_client *client;
/* GCC/Clang atomics: C99 has no <stdatomic.h>. */
static int stop_threads;
static long log_lines;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* The position the server gave for `number`, or -1 (and the error printed). */
static int64_t position_of(const char *number) {
  cb_result *result = NULL;
  int32_t code = cb_client_lookup(client, number, &result);
  int64_t position = -1;
  if (code == CB_OK) {
    position = cb_result_position(result);
  } else {
    fprintf(stderr, "[pid %ld] lookup %s: %s: %s\n", (long)getpid(), number,
            cb_status_name(code), cb_result_error_message(result));
  }
  cb_result_free(result);
  return position;
}

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

static void number_for(int position, char *buf, size_t len) {
  snprintf(buf, len, "+1555000%04d", position);
}

/* Child: look up `position`'s number `times` times; exit 0 only if every answer was its own. */
static void child_checks(int position, int times, unsigned alarm_s) {
  char number[32];
  int i;
  double started = now_ms();
  alarm(alarm_s);
  number_for(position, number, sizeof number);
  for (i = 0; i < times; i++) {
    int64_t got = position_of(number);
    if (got != position) {
      fprintf(stderr, "[child %ld] %s: position %lld, want %d\n", (long)getpid(), number,
              (long long)got, position);
      failures++;
    }
  }
  if (now_ms() - started > TIMEOUT_MS + 500.0) {
    fprintf(stderr, "[child %ld] took %.0f ms (deadline %d ms)\n", (long)getpid(),
            now_ms() - started, TIMEOUT_MS);
    failures++;
  }
  _exit(failures ? 1 : 0);
}

/* Parent: wait for `pid` and count a failure unless it exited 0. */
static void expect_child_ok(pid_t pid, const char *what) {
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFSIGNALED(status)) {
      fprintf(stderr, "%s: child %ld killed by signal %d (%s)\n", what, (long)pid,
              WTERMSIG(status), WTERMSIG(status) == SIGALRM ? "hung: deadlock" : "crash");
    } else {
      fprintf(stderr, "%s: child %ld exited %d\n", what, (long)pid, WEXITSTATUS(status));
    }
    failures++;
  }
}

static void mode_shared(void) {
  int round;
  for (round = 0; round < 10; round++) {
    int i;
    pid_t pid;
    /* Leaves a keep-alive connection in the pool, which the child inherits. */
    CHECK(position_of("+15550000100") == 100);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) child_checks(200 + round, 5, 10);
    for (i = 0; i < 5; i++) {
      char number[32];
      number_for(300 + round, number, sizeof number);
      if (position_of(number) != 300 + round) {
        fprintf(stderr, "[parent] round %d: not its own position\n", round);
        failures++;
      }
    }
    expect_child_ok(pid, "shared");
  }
}

static void *hung_lookup(void *arg) {
  char number[32];
  /* Threads 0-3 ask the same number (one request, three waiting on it); 4-7 one each. */
  int index = (int)(long)arg;
  number_for(index < 4 ? 777 : 780 + index, number, sizeof number);
  (void)position_of(number);
  return NULL;
}

static void mode_hung(void) {
  pthread_t threads[THREADS];
  long i;
  pid_t pid;
  for (i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, hung_lookup, (void *)i) == 0);
  /* Let every thread get inside its lookup (the server holds the first 5 requests). */
  sleep_ms(500);
  pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) child_checks(777, 1, 5);
  expect_child_ok(pid, "hung");
  for (i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
}

static void count_log(int32_t level, const char *message, void *userdata) {
  (void)level;
  (void)message;
  (void)userdata;
  __atomic_fetch_add(&log_lines, 1, __ATOMIC_RELAXED);
}

static void *hammer(void *arg) {
  char number[32];
  int index = (int)(long)arg;
  /* Even threads repeat one number (cache hits); odd ones walk numbers (requests). */
  int n = 0;
  while (!__atomic_load_n(&stop_threads, __ATOMIC_RELAXED)) {
    number_for(index % 2 == 0 ? 400 + index : 500 + (n++ % 50), number, sizeof number);
    (void)position_of(number);
  }
  return NULL;
}

static void mode_hammer(void) {
  pthread_t threads[THREADS];
  long i;
  int forks;
  CHECK_CODE(cb_set_log_callback(count_log, CB_LOG_DEBUG, NULL), CB_OK);
  for (i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, hammer, (void *)i) == 0);
  sleep_ms(100);
  for (forks = 0; forks < 30; forks++) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) child_checks(600 + forks, 1, 5);
    expect_child_ok(pid, "hammer");
    sleep_ms(10);
  }
  __atomic_store_n(&stop_threads, 1, __ATOMIC_RELAXED);
  for (i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
  CHECK(__atomic_load_n(&log_lines, __ATOMIC_RELAXED) > 0);
  CHECK_CODE(cb_set_log_callback(NULL, CB_LOG_ERROR, NULL), CB_OK);
}

/* The position cb_status_lookup() speaks for `number` ("... number 603 in line ..."), or -1. */
static long oneshot_position(const char *number) {
  char *text = cb_status_lookup(number);
  long position = -1;
  const char *p = text;
  while (p != NULL && *p != '\0' && position < 0) {
    if (*p >= '0' && *p <= '9') position = strtol(p, NULL, 10);
    p++;
  }
  cb_string_free(text);
  return position;
}

static void *oneshot_hammer(void *arg) {
  char number[32];
  int index = (int)(long)arg;
  int n = 0;
  while (!__atomic_load_n(&stop_threads, __ATOMIC_RELAXED)) {
    number_for(700 + index * 10 + (n++ % 10), number, sizeof number);
    (void)oneshot_position(number);
  }
  return NULL;
}

static void mode_oneshot(void) {
  pthread_t threads[THREADS];
  long i;
  int forks;
  CHECK(oneshot_position("+15550000100") == 100);
  for (i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, oneshot_hammer, (void *)i) == 0);
  sleep_ms(100);
  for (forks = 0; forks < 20; forks++) {
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
      char number[32];
      int k;
      alarm(5);
      for (k = 0; k < 3; k++) {
        number_for(200 + forks, number, sizeof number);
        if (oneshot_position(number) != 200 + forks) {
          fprintf(stderr, "[child %ld] cb_status_lookup(%s) spoke another position\n",
                  (long)getpid(), number);
          failures++;
        }
      }
      _exit(failures ? 1 : 0);
    }
    expect_child_ok(pid, "oneshot");
    sleep_ms(10);
  }
  __atomic_store_n(&stop_threads, 1, __ATOMIC_RELAXED);
  for (i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
}

int main(int argc, char **argv) {
  cb_config *config = NULL;
  const char *mode = argc > 1 ? argv[1] : "";
  CHECK_CODE(cb_config_from_env(&config), CB_OK);
  CHECK_CODE(cb_config_set(config, "timeout_ms", "2000"), CB_OK);
  CHECK_CODE(cb_client_new(config, &client), CB_OK);
  cb_config_free(config);
  if (client == NULL) return 1;
  if (strcmp(mode, "shared") == 0) {
    mode_shared();
  } else if (strcmp(mode, "hung") == 0) {
    mode_hung();
  } else if (strcmp(mode, "hammer") == 0) {
    mode_hammer();
  } else if (strcmp(mode, "oneshot") == 0) {
    mode_oneshot();
  } else {
    fprintf(stderr, "usage: fork_safety shared|hung|hammer|oneshot\n");
    return 2;
  }
  cb_client_free(client);
  if (failures) {
    fprintf(stderr, "%d fork check(s) failed\n", failures);
    return 1;
  }
  printf("fork checks passed (%s)\n", mode);
  return 0;
}
