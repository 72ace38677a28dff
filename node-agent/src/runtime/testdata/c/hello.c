// Prints its arguments and the environment variables it is asked about, then
// exits with the code in EXIT_CODE: the contract's exit-code, env and log probe.
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  for (int i = 0; i < argc; i++) printf("arg[%d]=%s\n", i, argv[i]);
  const char *names = getenv("SHOW");
  if (names) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", names);
    for (char *name = buf, *next; name && *name; name = next) {
      next = 0;
      for (char *p = name; *p; p++) if (*p == ',') { *p = 0; next = p + 1; break; }
      const char *value = getenv(name);
      printf("env %s=%s\n", name, value ? value : "(unset)");
    }
  }
  fprintf(stderr, "to stderr\n");
  const char *code = getenv("EXIT_CODE");
  return code ? atoi(code) : 0;
}
