/* yb-workload: the workloads of the overhead benchmark (docs/benchmarks.md).
 * Each one does up to N operations of one kind as one process, for at most
 * S seconds, times them, and prints one JSON line with what it did, so that
 * the runner can compare configurations and find the workload's own events
 * in each tool's output:
 *
 *   yb-workload exec    --count N [--rate R] --marker PATH --token T [--seconds S]
 *   yb-workload connect --count N --token T [--seconds S]
 *   yb-workload accept  --count N --token T [--seconds S]
 *   yb-workload files   --count N --dir DIR --token T [--seconds S]
 *   yb-workload mixed   --count N --script PATH --dir DIR --dir2 DIR --token T [--seconds S]
 *
 * exec:    fork + execve of the marker (marker.c) and wait, one at a time; at
 *          R per second when --rate is given (0: as fast as possible). Each
 *          marker's argv holds the token, its sequence number and the wall
 *          time of the action (CLOCK_REALTIME ns, taken before the fork), from
 *          which the runner gets the latency to the collector.
 * connect: TCP connects to a local listener (a forked helper that accepts
 *          and closes); each connect waits for the helper's close, then
 *          closes, so neither side piles up TIME_WAIT on ephemeral ports.
 * accept:  the same with the roles swapped: this process listens and
 *          accepts, the forked helper connects.
 * files:   open(O_WRONLY|O_CREAT) + 64-byte write at offset 0 + close,
 *          cycling over 16 files DIR/TOKEN-k (removed at the end, untimed).
 *          No O_TRUNC: ext4 flushes a truncated-then-rewritten file on close
 *          (auto_da_alloc), which would make this a disk benchmark.
 * mixed:   runs /bin/sh SCRIPT N DIR DIR2 TOKEN STOPFILE (shell pipelines)
 *          and waits; after S seconds it creates STOPFILE, which the script
 *          checks between iterations. The script prints what it ran.
 *
 * The time limit keeps a slow or loaded machine from stretching the suite;
 * "ops" in the output is what was done. The token is in this process's argv
 * and in every path and argv the workload makes, and the port is unique to
 * the run: tools' outputs are matched on them, never on a pid alone (pids
 * wrap during an exec storm). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { kFiles = 16 };

struct options {
  const char* mode;
  long count;
  double rate;
  double seconds;
  const char* marker;
  const char* token;
  const char* dir;
  const char* dir2;
  const char* script;
};

static uint64_t g_deadline_ns;     /* CLOCK_MONOTONIC; 0: none */
static char g_stop_file[4096];     /* the mixed workload's stop file */

static void die(const char* what) {
  fprintf(stderr, "yb-workload: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void usage(void) {
  fputs("usage: yb-workload exec|connect|accept|files|mixed --count N [--rate R] "
        "[--seconds S] [--marker PATH] [--dir DIR] [--dir2 DIR] [--script PATH] --token T\n",
        stderr);
  exit(64);
}

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int out_of_time(void) { return g_deadline_ns && now_ns(CLOCK_MONOTONIC) >= g_deadline_ns; }

static uint64_t timeval_ns(struct timeval tv) {
  return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

static void wait_for(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die("waitpid");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "yb-workload: child %d failed (status %d)\n", (int)pid, status);
    exit(1);
  }
}

static long run_exec(const struct options* o) {
  char seq[24], action[24];
  char* argv[] = {(char*)"yb-marker", (char*)o->token, seq, action, NULL};
  char* envp[] = {NULL};
  const uint64_t start = now_ns(CLOCK_MONOTONIC);
  long i = 0;
  for (; i < o->count && !out_of_time(); ++i) {
    if (o->rate > 0) {
      const uint64_t due = start + (uint64_t)((double)i * 1e9 / o->rate);
      struct timespec ts = {(time_t)(due / 1000000000u), (long)(due % 1000000000u)};
      while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
      }
    }
    snprintf(seq, sizeof seq, "%ld", i);
    snprintf(action, sizeof action, "%llu", (unsigned long long)now_ns(CLOCK_REALTIME));
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      execve(o->marker, argv, envp);
      _exit(127);
    }
    wait_for(pid);
  }
  return i;
}

static int listener(uint16_t* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(fd, (struct sockaddr*)&a, len) != 0 || listen(fd, 4096) != 0) die("bind/listen");
  if (getsockname(fd, (struct sockaddr*)&a, &len) != 0) die("getsockname");
  *port = ntohs(a.sin_port);
  return fd;
}

static long accept_loop(int fd, long count) {
  long i = 0;
  while (i < count && !out_of_time()) {
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      die("accept");
    }
    close(c);
    ++i;
  }
  return i;
}

/* One connect that waits for the server's close before closing: the server
 * side takes the TIME_WAIT, which holds no ephemeral port. */
static long connect_loop(uint16_t port, long count) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  char byte;
  long i = 0;
  for (; i < count && !out_of_time(); ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr*)&a, sizeof a) != 0) die("connect");
    while (read(fd, &byte, 1) < 0 && errno == EINTR) {
    }
    close(fd);
  }
  return i;
}

/* connect: this process connects, a helper accepts; accept: the reverse.
 * The helper is forked before timing starts, and killed once this side is
 * done (it may be blocked waiting for more). */
static long run_tcp(const struct options* o, int this_accepts, uint16_t* port) {
  int fd = listener(port);
  pid_t helper = fork();
  if (helper < 0) die("fork");
  if (helper == 0) {
    g_deadline_ns = 0;
    if (this_accepts) {
      close(fd);
      connect_loop(*port, o->count);
    } else {
      accept_loop(fd, o->count);
    }
    _exit(0);
  }
  long done;
  if (this_accepts) {
    done = accept_loop(fd, o->count);
  } else {
    close(fd);
    done = connect_loop(*port, o->count);
  }
  kill(helper, SIGKILL);
  while (waitpid(helper, NULL, 0) < 0 && errno == EINTR) {
  }
  return done;
}

static long run_files(const struct options* o) {
  char paths[kFiles][4096];
  char data[64];
  memset(data, 'y', sizeof data);
  for (int k = 0; k < kFiles; ++k)
    if (snprintf(paths[k], sizeof paths[k], "%s/%s-%d", o->dir, o->token, k) >=
        (int)sizeof paths[k]) {
      errno = ENAMETOOLONG;
      die(o->dir);
    }
  long i = 0;
  for (; i < o->count && !out_of_time(); ++i) {
    int fd = open(paths[i % kFiles], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) die(paths[i % kFiles]);
    if (pwrite(fd, data, sizeof data, 0) != (ssize_t)sizeof data) die("write");
    close(fd);
  }
  return i;
}

static void on_alarm(int sig) {
  (void)sig;
  int fd = open(g_stop_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
}

static pid_t run_mixed(const struct options* o) {
  char count[24];
  snprintf(count, sizeof count, "%ld", o->count);
  snprintf(g_stop_file, sizeof g_stop_file, "%s/%s-stop", o->dir2, o->token);
  char* argv[] = {(char*)"/bin/sh", (char*)o->script, count, (char*)o->dir, (char*)o->dir2,
                  (char*)o->token, g_stop_file, NULL};
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  if (o->seconds > 0) {
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval t = {.it_value = {(time_t)o->seconds,
                                       (long)((o->seconds - (double)(time_t)o->seconds) * 1e6)}};
    setitimer(ITIMER_REAL, &t, NULL);
  }
  wait_for(pid);
  unlink(g_stop_file);
  return pid;
}

static void parse(int argc, char** argv, struct options* o) {
  if (argc < 2) usage();
  o->mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const char* k = argv[i];
    const char* v = argv[i + 1];
    char* end;
    if (strcmp(k, "--count") == 0) {
      o->count = strtol(v, &end, 10);
      if (*end || o->count <= 0) usage();
    } else if (strcmp(k, "--rate") == 0 || strcmp(k, "--seconds") == 0) {
      double d = strtod(v, &end);
      if (*end || d < 0) usage();
      *(k[2] == 'r' ? &o->rate : &o->seconds) = d;
    } else if (strcmp(k, "--marker") == 0) {
      o->marker = v;
    } else if (strcmp(k, "--token") == 0) {
      o->token = v;
    } else if (strcmp(k, "--dir") == 0) {
      o->dir = v;
    } else if (strcmp(k, "--dir2") == 0) {
      o->dir2 = v;
    } else if (strcmp(k, "--script") == 0) {
      o->script = v;
    } else {
      usage();
    }
  }
  if (argc % 2 != 0 || o->count <= 0 || !o->token) usage();
}

int main(int argc, char** argv) {
  struct options o = {0};
  parse(argc, argv, &o);
  signal(SIGPIPE, SIG_IGN);
  long done = 0;
  uint16_t port = 0;
  pid_t child = 0;
  const uint64_t start = now_ns(CLOCK_MONOTONIC);
  if (o.seconds > 0 && strcmp(o.mode, "mixed") != 0)
    g_deadline_ns = start + (uint64_t)(o.seconds * 1e9);
  if (strcmp(o.mode, "exec") == 0 && o.marker) {
    done = run_exec(&o);
  } else if (strcmp(o.mode, "connect") == 0 || strcmp(o.mode, "accept") == 0) {
    done = run_tcp(&o, strcmp(o.mode, "accept") == 0, &port);
  } else if (strcmp(o.mode, "files") == 0 && o.dir) {
    done = run_files(&o);
  } else if (strcmp(o.mode, "mixed") == 0 && o.script && o.dir && o.dir2) {
    child = run_mixed(&o);
    done = -1;  /* the script says what it ran */
  } else {
    usage();
  }
  const uint64_t wall = now_ns(CLOCK_MONOTONIC) - start;
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  if (strcmp(o.mode, "files") == 0)
    for (int k = 0; k < kFiles; ++k) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s-%d", o.dir, o.token, k);
      unlink(path);
    }
  printf("{\"workload\":\"%s\",\"ops\":%ld,\"rate\":%g,\"wall_ns\":%llu,\"pid\":%d,"
         "\"port\":%u,\"child_pid\":%d,\"cpu_ns\":%llu,\"children_cpu_ns\":%llu}\n",
         o.mode, done, o.rate, (unsigned long long)wall, (int)getpid(), port, (int)child,
         (unsigned long long)(timeval_ns(self.ru_utime) + timeval_ns(self.ru_stime)),
         (unsigned long long)(timeval_ns(children.ru_utime) + timeval_ns(children.ru_stime)));
  return 0;
}
