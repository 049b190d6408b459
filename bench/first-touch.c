// bench/first-touch.c - what the first write to a page of memory costs in this VM, against a
// page the guest had just freed (docs/benchmarks.md, "Session 15: the spool's ceiling"). Guests
// whose balloon reports free pages to the host (virtio-balloon free page reporting) give those
// pages back; the next first touch then waits for the host to supply and zero one. The spool's
// .eml files each take a new page of page cache, so they pay this on the way to the 250.
// Not part of the build:
//
//   gcc -O2 -o /tmp/first-touch bench/first-touch.c && /tmp/first-touch
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(void) {
  const size_t size = 512ul << 20, pages = size / 4096;
  // Round 0 touches pages the guest has (probably) given back; round 1 the pages round 0 freed.
  for (int round = 0; round < 2; ++round) {
    char* p = mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    madvise(p, size, MADV_NOHUGEPAGE);
    const double start = now_us();
    for (size_t i = 0; i < pages; ++i) p[i * 4096] = 1;
    printf("round %d: %.2f us per 4 KiB page\n", round, (now_us() - start) / pages);
    munmap(p, size);
  }
  return 0;
}
