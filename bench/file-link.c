// bench/file-link.c - CPU per .eml file as the spool creates them (docs/benchmarks.md,
// "Session 11: the spool"): openat(O_TMPFILE), a 1 KiB write, linkat under its name, close.
// MODE 0 links through /proc/self/fd/N (AT_SYMLINK_FOLLOW), MODE 1 by the descriptor
// (AT_EMPTY_PATH: Linux 6.10+ allows it without CAP_DAC_READ_SEARCH for the file's opener).
// MODE 2 creates the file under its name (openat O_CREAT|O_EXCL), writes it and closes it: no
// unnamed file, no link (session 12).
// Not part of the build:
//
//   gcc -O2 -o /tmp/file-link bench/file-link.c
//   /tmp/file-link /var/tmp/s11f/dNEW MODE 5000   # DIR is made: use a new one each run
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static double cpu_us(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e6 + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: file-link DIR MODE(0: /proc, 1: AT_EMPTY_PATH, 2: O_CREAT) FILES\n");
    return 2;
  }
  const int mode = atoi(argv[2]), n = atoi(argv[3]);
  mkdir(argv[1], 0755);
  const int dir = open(argv[1], O_RDONLY | O_DIRECTORY);
  if (dir < 0) {
    perror("open");
    return 1;
  }
  char buf[1024];
  memset(buf, 'x', sizeof buf);
  const double start = cpu_us();
  for (int i = 0; i < n; i++) {
    char name[64];
    snprintf(name, sizeof name, "m%d.eml", i);
    const int fd = mode == 2 ? openat(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644)
                             : openat(dir, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) {
      perror("openat/write");
      return 1;
    }
    int r = 0;
    if (mode == 2) {
    } else if (mode == 0) {
      char path[40];
      snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
      r = linkat(AT_FDCWD, path, dir, name, AT_SYMLINK_FOLLOW);
    } else {
      r = linkat(fd, "", dir, name, AT_EMPTY_PATH);
    }
    if (r != 0) {
      perror("linkat");
      return 1;
    }
    close(fd);
  }
  printf("mode=%d us/file=%.1f\n", mode, (cpu_us() - start) / n);
  return 0;
}
