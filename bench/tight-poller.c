// bench/tight-poller.c - a lean closed-loop API poller (issue 20, docs/benchmarks.md "Session 13:
// a tight poller"). One keep-alive HTTP/1.1 connection; it sends `GET PATH` (the request
// Python's http.client sends for bench/api-load.py's `list` mode: Host and Accept-Encoding:
// identity) as soon as the previous answer is whole, until SIGTERM/SIGINT (or -n calls, or -t
// seconds), then prints one line on stdout:
//
//   calls=N median_ms=M cpu_s=C wall_s=W bytes=B
//
// calls: whole answers read (each 200, its body of the announced length: Content-Length or
// chunked, starting with -e PREFIX if given); cpu_s: the poller's own user+system CPU. Any other
// answer (a status but 200, a closed connection, a body without a length, extra bytes, a body
// not starting with PREFIX) stops it with a message on stderr and exit status 1: it never
// counts a bad answer. It exists because a Python poller takes ~0.6 of a core on this 2-core
// machine (session 12), as much as the server's API thread and smtp-source together lose.
//
// Built by bench/api-load.py (--poller c), or by hand:
//   cc -O2 -o /tmp/tight-poller bench/tight-poller.c
//   /tmp/tight-poller -t 5 -e '{"total":' 8025 '/api/v1/messages?limit=50'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_now = 0;
static void on_signal(int sig) {
  (void)sig;
  stop_now = 1;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

static long calls = 0;

static void die(const char* what, const char* buf, size_t len) {
  fprintf(stderr, "tight-poller: call %ld: %s", calls + 1, what);
  if (buf != NULL) {
    fprintf(stderr, "; the answer's first bytes: \"");
    for (size_t i = 0; i < len && i < 300; i++) {
      const unsigned char c = (unsigned char)buf[i];
      if (c == '\r')
        fputs("\\r", stderr);
      else if (c == '\n')
        fputs("\\n", stderr);
      else if (c < 32 || c > 126)
        fprintf(stderr, "\\x%02x", c);
      else
        fputc(c, stderr);
    }
    fputc('"', stderr);
  }
  fputc('\n', stderr);
  exit(1);
}

// The answer being read: the bytes so far in buf[0..len).
static char* buf;
static size_t cap, len;

// Reads more bytes into buf; 0 when asked to stop meanwhile.
static int read_more(int fd) {
  if (len == cap) {
    cap *= 2;
    buf = realloc(buf, cap);
    if (buf == NULL) die("out of memory", NULL, 0);
  }
  for (;;) {
    const ssize_t n = read(fd, buf + len, cap - len);
    if (n > 0) {
      len += (size_t)n;
      return 1;
    }
    if (n == 0) die("the server closed the connection", buf, len);
    if (errno != EINTR) die(strerror(errno), buf, len);
    if (stop_now) return 0;
  }
}

// The value of header `name` (with its colon) in the head [head, end), or NULL.
static const char* header(const char* head, const char* end, const char* name, size_t* vlen) {
  const size_t nlen = strlen(name);
  for (const char* p = memmem(head, end - head, "\r\n", 2); p != NULL && p + 2 < end;
       p = memmem(p + 2, end - (p + 2), "\r\n", 2)) {
    const char* line = p + 2;
    if ((size_t)(end - line) > nlen && strncasecmp(line, name, nlen) == 0) {
      const char* v = line + nlen;
      while (v < end && (*v == ' ' || *v == '\t')) v++;
      const char* e = memmem(v, end - v, "\r\n", 2);
      if (e == NULL) e = end;
      *vlen = (size_t)(e - v);
      return v;
    }
  }
  return NULL;
}

// A chunked body at buf[start..len): its decoded length in *out (buf's body bytes are left in
// place; the decoded copy goes to `body`), the bytes it took in *used; 0 if not whole yet.
static int dechunk(size_t start, char** body, size_t* body_cap, size_t* out, size_t* used) {
  size_t p = start, n = 0;
  for (;;) {
    const char* eol = memmem(buf + p, len - p, "\r\n", 2);
    if (eol == NULL) return 0;
    char* hex_end;
    const unsigned long size = strtoul(buf + p, &hex_end, 16);
    if (hex_end == buf + p || (hex_end != eol && *hex_end != ';' && *hex_end != ' '))
      die("a bad chunk size", buf, len);
    p = (size_t)(eol - buf) + 2;
    if (size == 0) {  // trailers, then an empty line
      for (;;) {
        const char* e = memmem(buf + p, len - p, "\r\n", 2);
        if (e == NULL) return 0;
        const size_t line = (size_t)(e - (buf + p));
        p = (size_t)(e - buf) + 2;
        if (line == 0) {
          *out = n;
          *used = p - start;
          return 1;
        }
      }
    }
    if (len - p < size + 2) return 0;
    if (buf[p + size] != '\r' || buf[p + size + 1] != '\n')
      die("a chunk not ended by CRLF", buf, len);
    if (n + size > *body_cap) {
      *body_cap = 2 * (n + size);
      *body = realloc(*body, *body_cap);
      if (*body == NULL) die("out of memory", NULL, 0);
    }
    memcpy(*body + n, buf + p, size);
    n += size;
    p += size + 2;
  }
}

static int cmp_double(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  long max_calls = 0;
  double seconds = 0;
  const char* prefix = NULL;
  int opt;
  while ((opt = getopt(argc, argv, "n:t:e:")) != -1) {
    if (opt == 'n')
      max_calls = atol(optarg);
    else if (opt == 't')
      seconds = atof(optarg);
    else if (opt == 'e')
      prefix = optarg;
    else
      optind = argc + 1;
  }
  if (optind + 2 != argc) {
    fprintf(stderr, "usage: tight-poller [-n CALLS] [-t SECONDS] [-e BODY_PREFIX] PORT PATH\n");
    return 2;
  }
  const int port = atoi(argv[optind]);
  const char* path = argv[optind + 1];

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;  // no SA_RESTART: a blocked read returns to see the flag
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) {
    perror("tight-poller: connect");
    return 1;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  char request[2048];
  const int rlen = snprintf(request, sizeof request,
                            "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                            "Accept-Encoding: identity\r\n\r\n",
                            path, port);
  if (rlen <= 0 || (size_t)rlen >= sizeof request) die("the path is too long", NULL, 0);

  cap = 1 << 16;
  buf = malloc(cap);
  size_t body_cap = 1 << 16;
  char* body = malloc(body_cap);
  size_t times_cap = 1 << 16;
  double* times = malloc(times_cap * sizeof *times);
  if (buf == NULL || body == NULL || times == NULL) die("out of memory", NULL, 0);
  const size_t prefix_len = prefix != NULL ? strlen(prefix) : 0;
  unsigned long long bytes = 0;
  const double start = now_s();

  while (!stop_now && (max_calls == 0 || calls < max_calls) &&
         (seconds == 0 || now_s() - start < seconds)) {
    const double t = now_s();
    ssize_t sent = 0;
    while (sent < rlen) {
      const ssize_t n = write(fd, request + sent, (size_t)(rlen - sent));
      if (n > 0)
        sent += n;
      else if (errno == EINTR && stop_now)
        goto done;
      else if (errno != EINTR)
        die(strerror(errno), NULL, 0);
    }
    len = 0;
    const char* head_end;
    while ((head_end = len >= 4 ? memmem(buf, len, "\r\n\r\n", 4) : NULL) == NULL)
      if (!read_more(fd)) goto done;
    const size_t head_len = (size_t)(head_end - buf) + 4;
    if (len < 12 || memcmp(buf, "HTTP/1.1 ", 9) != 0) die("not an HTTP/1.1 answer", buf, len);
    if (memcmp(buf + 9, "200 ", 4) != 0) die("a status but 200", buf, len);
    size_t vlen;
    const char* v = header(buf, head_end + 2, "Connection:", &vlen);
    if (v != NULL && vlen >= 5 && strncasecmp(v, "close", 5) == 0)
      die("the server closes the connection (Connection: close)", buf, len);
    const char* cl = header(buf, head_end + 2, "Content-Length:", &vlen);
    const char* te = header(buf, head_end + 2, "Transfer-Encoding:", &vlen);
    const char* data;
    size_t data_len, used;
    if (cl != NULL && te != NULL) {
      die("both Content-Length and Transfer-Encoding", buf, len);
    } else if (cl != NULL) {
      char* e;
      const unsigned long n = strtoul(cl, &e, 10);
      if (e == cl || (*e != '\r' && *e != ' ')) die("a bad Content-Length", buf, len);
      while (len < head_len + n)
        if (!read_more(fd)) goto done;
      data = buf + head_len;
      data_len = n;
      used = head_len + n;
    } else if (te != NULL) {
      if (vlen != 7 || strncasecmp(te, "chunked", 7) != 0)
        die("a Transfer-Encoding but chunked", buf, len);
      size_t chunked;
      while (!dechunk(head_len, &body, &body_cap, &data_len, &chunked))
        if (!read_more(fd)) goto done;
      data = body;
      used = head_len + chunked;
    } else {
      die("no Content-Length nor chunked body on a keep-alive connection", buf, len);
    }
    if (len != used) die("bytes after the answer's end", buf, len);
    if (data_len < prefix_len || memcmp(data, prefix, prefix_len) != 0)
      die("the body does not start with the expected prefix", buf, len);
    if ((size_t)calls == times_cap) {
      times_cap *= 2;
      times = realloc(times, times_cap * sizeof *times);
      if (times == NULL) die("out of memory", NULL, 0);
    }
    times[calls++] = now_s() - t;
    bytes += used;
  }
done:;
  const double wall = now_s() - start, cpu = cpu_s();
  double median = 0;
  if (calls > 0) {
    qsort(times, (size_t)calls, sizeof *times, cmp_double);
    median = calls % 2 ? times[calls / 2] : (times[calls / 2 - 1] + times[calls / 2]) / 2;
  }
  printf("calls=%ld median_ms=%.4f cpu_s=%.4f wall_s=%.4f bytes=%llu\n", calls, median * 1000, cpu,
         wall, bytes);
  return 0;
}
