// A file-system probe driven by its arguments, one operation each:
//   read PATH | write PATH TEXT | ls DIR
// prints "ok ..." or "error <op> <path>: <strerror>" and exits 0 or 1, so the
// contract can check what a pod's mounts grant without a test per operation.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *op, const char *path) {
  printf("error %s %s: %s\n", op, path, strerror(errno));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) { printf("usage: fs read|write|ls PATH [TEXT]\n"); return 2; }
  const char *op = argv[1], *path = argv[2];
  if (strcmp(op, "read") == 0) {
    FILE *f = fopen(path, "r");
    if (!f) return fail(op, path);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    printf("ok read %s: %s\n", path, buf);
    return 0;
  }
  if (strcmp(op, "write") == 0 && argc > 3) {
    FILE *f = fopen(path, "w");
    if (!f) return fail(op, path);
    if (fputs(argv[3], f) < 0 || fclose(f) != 0) return fail(op, path);
    printf("ok write %s\n", path);
    return 0;
  }
  if (strcmp(op, "ls") == 0) {
    DIR *d = opendir(path);
    if (!d) return fail(op, path);
    printf("ok ls %s:", path);
    for (struct dirent *e; (e = readdir(d));) {
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) printf(" %s", e->d_name);
    }
    printf("\n");
    closedir(d);
    return 0;
  }
  printf("unknown operation %s\n", op);
  return 2;
}
