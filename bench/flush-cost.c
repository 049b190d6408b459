// bench/flush-cost.c - CPU of the spool's group flush as the writer pays it (docs/benchmarks.md,
// "Session 12: the spool"): per group, one pwrite() of G records of 1,100 bytes at the log's end
// (or over a region written before: MODE 1, as a log from its second round on), then
// fdatasync(). Prints the calling thread's CPU (getrusage: user + system) and the wall time
// per flush. Not part of the build:
//
//   gcc -O2 -o /tmp/flush-cost bench/flush-cost.c
//   /tmp/flush-cost /var/tmp/s12g/NEW MODE(0: append, 1: overwrite) G FLUSHES
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double cpu_us(void) {
  struct rusage r;
  getrusage(RUSAGE_THREAD, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e6 + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
}

static double wall_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: flush-cost FILE MODE(0: append, 1: overwrite) G FLUSHES\n");
    return 2;
  }
  const int mode = atoi(argv[2]), g = atoi(argv[3]), n = atoi(argv[4]);
  const int fd = open(argv[1], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    perror("open");
    return 1;
  }
  const size_t bytes = (size_t)g * 1100;
  char* buf = malloc(bytes);
  memset(buf, 'x', bytes);
  if (mode == 1) {  // the region written and flushed once before, as a reused log
    for (int i = 0; i < n; i++)
      if (pwrite(fd, buf, bytes, (off_t)i * bytes) != (ssize_t)bytes) return 1;
    fdatasync(fd);
  }
  const double cpu = cpu_us(), wall = wall_us();
  for (int i = 0; i < n; i++) {
    if (pwrite(fd, buf, bytes, (off_t)i * bytes) != (ssize_t)bytes || fdatasync(fd) != 0) {
      perror("pwrite/fdatasync");
      return 1;
    }
  }
  printf("mode=%d group=%d cpu_us/flush=%.1f wall_us/flush=%.1f cpu_us/msg=%.1f\n", mode, g,
         (cpu_us() - cpu) / n, (wall_us() - wall) / n, (cpu_us() - cpu) / n / g);
  return 0;
}
