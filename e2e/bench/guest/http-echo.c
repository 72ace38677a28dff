// The JS fixture's wasi:http echo handler (node-agent/src/runtime/testdata/js/http-echo.js)
// as a compiled guest, for bench:agent to compare a compiled component with a JS one.
// Freestanding C against the component model's canonical ABI, written by hand: no
// wasi-libc, no wit-bindgen, so it builds with clang alone and `jco embed` + `jco new`
// turn it into a component (see guest.ts). Each import's core signature is the
// canonical ABI's flattening of the WIT function: results of more than one value go
// through a return pointer, and resources are i32 handles.
#include <stdint.h>

#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))
#define HTTP "wasi:http/types@0.2.10"
#define IO "wasi:io/streams@0.2.10"

IMPORT("wasi:cli/environment@0.2.10", "get-environment") void get_environment(int32_t ret);
IMPORT(HTTP, "[method]incoming-request.method") void request_method(int32_t self, int32_t ret);
IMPORT(HTTP, "[method]incoming-request.path-with-query") void request_path(int32_t self, int32_t ret);
IMPORT(HTTP, "[method]incoming-request.consume") void request_consume(int32_t self, int32_t ret);
IMPORT(HTTP, "[method]incoming-body.stream") void incoming_body_stream(int32_t self, int32_t ret);
IMPORT(HTTP, "[resource-drop]incoming-body") void drop_incoming_body(int32_t self);
IMPORT(HTTP, "[resource-drop]incoming-request") void drop_request(int32_t self);
IMPORT(HTTP, "[static]fields.from-list") void fields_from_list(int32_t list, int32_t len, int32_t ret);
IMPORT(HTTP, "[constructor]outgoing-response") int32_t outgoing_response_new(int32_t headers);
IMPORT(HTTP, "[method]outgoing-response.set-status-code") int32_t response_set_status(int32_t self, int32_t code);
IMPORT(HTTP, "[method]outgoing-response.body") void response_body(int32_t self, int32_t ret);
IMPORT(HTTP, "[method]outgoing-body.write") void body_write(int32_t self, int32_t ret);
// result<_, error-code>: error-code carries a u64 somewhere, so the area is 8-aligned.
IMPORT(HTTP, "[static]outgoing-body.finish") void body_finish(int32_t self, int32_t has_trailers, int32_t trailers, int32_t ret);
// result<own<outgoing-response>, error-code> flattens to 8 values (the u64 of error-code's payloads sits third).
IMPORT(HTTP, "[static]response-outparam.set") void outparam_set(int32_t param, int32_t is_err, int32_t v0, int32_t v1, int64_t v2, int32_t v3, int32_t v4, int32_t v5, int32_t v6);
IMPORT(IO, "[method]input-stream.blocking-read") void input_blocking_read(int32_t self, int64_t len, int32_t ret);
IMPORT(IO, "[resource-drop]input-stream") void drop_input_stream(int32_t self);
IMPORT(IO, "[method]output-stream.blocking-write-and-flush") void output_write(int32_t self, int32_t data, int32_t len, int32_t ret);
IMPORT(IO, "[resource-drop]output-stream") void drop_output_stream(int32_t self);

// The host allocates lists and strings it returns (the environment, the path) here.
// One instance serves one request, so memory is never given back.
extern unsigned char __heap_base;
static uintptr_t heap_top = (uintptr_t)&__heap_base;

__attribute__((export_name("cabi_realloc"))) void *cabi_realloc(void *old, uint32_t old_size, uint32_t align, uint32_t size) {
  uintptr_t at = (heap_top + align - 1) & ~(uintptr_t)(align - 1);
  uintptr_t end = at + size;
  uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) < 0) __builtin_trap();
  heap_top = end;
  unsigned char *to = (unsigned char *)at;
  for (uint32_t i = 0; i < old_size && i < size; i++) to[i] = ((unsigned char *)old)[i];
  return to;
}

static unsigned char text[65536];
static uint32_t text_len;

static void append(const char *s, uint32_t len) {
  for (uint32_t i = 0; i < len && text_len < sizeof text; i++) text[text_len++] = (unsigned char)s[i];
}
static void append_z(const char *s) {
  while (*s && text_len < sizeof text) text[text_len++] = (unsigned char)*s++;
}
static void append_u(uint32_t n) {
  char digits[10];
  int i = 0;
  do digits[i++] = (char)('0' + n % 10); while ((n /= 10) && i < 10);
  while (i) text[text_len < sizeof text ? text_len++ : text_len - 1] = (unsigned char)digits[--i];
}
static int equal(const char *a, uint32_t len, const char *z) {
  for (uint32_t i = 0; i < len; i++) if (z[i] != a[i]) return 0;
  return z[len] == 0;
}

static const char *const METHODS[] = {"get", "head", "post", "put", "delete", "connect", "options", "trace", "patch"};
static uint32_t served;

struct string { const char *ptr; uint32_t len; };
struct handle_result { uint8_t is_err; int32_t handle; };

/** The request's body (the JS handler reads it too), appended to the response text. */
static void append_body(int32_t request) {
  struct handle_result body, stream;
  request_consume(request, (int32_t)&body);
  if (body.is_err) return;
  incoming_body_stream(body.handle, (int32_t)&stream);
  if (!stream.is_err) {
    for (;;) {
      struct { uint8_t is_err; struct string bytes; } read;
      input_blocking_read(stream.handle, 65536, (int32_t)&read);
      if (read.is_err) break; // closed, or failed: the JS handler stops on closed too
      append(read.bytes.ptr, read.bytes.len);
    }
    drop_input_stream(stream.handle);
  }
  drop_incoming_body(body.handle);
}

__attribute__((export_name("wasi:http/incoming-handler@0.2.10#handle"))) void handle(int32_t request, int32_t response_out) {
  served++;
  struct { uint8_t tag; struct string other; } method;
  request_method(request, (int32_t)&method);
  if (method.tag < 9) append_z(METHODS[method.tag]);
  else append(method.other.ptr, method.other.len);
  append_z(" ");
  struct { uint8_t some; struct string path; } path;
  request_path(request, (int32_t)&path);
  if (path.some) append(path.path.ptr, path.path.len);
  append_z(" served=");
  append_u(served);
  append_z(" greeting=");
  struct { const struct { struct string name, value; } *ptr; uint32_t len; } env;
  get_environment((int32_t)&env);
  for (uint32_t i = 0; i < env.len; i++) {
    if (equal(env.ptr[i].name.ptr, env.ptr[i].name.len, "GREETING")) {
      append(env.ptr[i].value.ptr, env.ptr[i].value.len);
      break;
    }
  }
  append_z(" body=");
  append_body(request);
  drop_request(request);

  static const char content_type[] = "content-type", text_plain[] = "text/plain";
  struct string header[2] = {{content_type, sizeof content_type - 1}, {text_plain, sizeof text_plain - 1}};
  struct handle_result fields, body, stream;
  fields_from_list((int32_t)header, 1, (int32_t)&fields);
  int32_t response = outgoing_response_new(fields.handle);
  response_set_status(response, 200);
  response_body(response, (int32_t)&body);
  outparam_set(response_out, 0, response, 0, 0, 0, 0, 0, 0);
  body_write(body.handle, (int32_t)&stream);
  struct { uint8_t is_err; struct { uint8_t tag; int32_t error; } error; } written;
  output_write(stream.handle, (int32_t)text, (int32_t)text_len, (int32_t)&written);
  drop_output_stream(stream.handle);
  _Alignas(8) unsigned char finished[64];
  body_finish(body.handle, 0, 0, (int32_t)finished);
}
