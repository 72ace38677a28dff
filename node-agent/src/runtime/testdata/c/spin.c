// Announces itself, then spins forever without a system call: the guest a CPU
// limit must stop, and that a cooperative scheduler never gets back from.
#include <stdio.h>

int main(void) {
  printf("spinning\n");
  fflush(stdout);
  volatile unsigned long long n = 0;
  for (;;) n++;
}
