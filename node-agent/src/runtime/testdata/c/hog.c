// Allocates and touches memory 1 MiB at a time, reporting the total, and aborts
// (a trap) when malloc fails: the guest a memory limit must contain.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Chained through a volatile head so the compiler cannot drop the allocations.
static void *volatile head;

int main(void) {
  for (unsigned mib = 1;; mib++) {
    char *p = malloc(1 << 20);
    if (!p) {
      printf("malloc failed after %u MiB\n", mib - 1);
      fflush(stdout);
      abort();
    }
    memset(p, 1, 1 << 20);
    *(void **)p = head;
    head = p;
    printf("allocated %u MiB\n", mib);
  }
}
