// LD_PRELOAD shim that counts heap allocations, so benchmarks can show that a hot loop
// allocates nothing. `sightline bench` looks up sightline_malloc_count() with dlsym and reports
// the allocations made inside its timed loops when the shim is loaded; tests, which share the
// process with other tests running in parallel, use sightline_thread_malloc_count(): the
// allocations of the calling thread only.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>

static atomic_ulong allocations;
// initial-exec: a preloaded library's TLS is in the static block, so reading it never calls
// __tls_get_addr (which may allocate, and so recurse into malloc).
static __thread unsigned long thread_allocations __attribute__((tls_model("initial-exec")));
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);

unsigned long sightline_malloc_count(void) { return atomic_load(&allocations); }
unsigned long sightline_thread_malloc_count(void) { return thread_allocations; }

// calloc is needed by dlsym itself; serve that first call from a static buffer.
static char bootstrap[4096];
static size_t bootstrap_used;

void *malloc(size_t size) {
  if (!real_malloc) real_malloc = dlsym(RTLD_NEXT, "malloc");
  atomic_fetch_add(&allocations, 1);
  thread_allocations++;
  return real_malloc(size);
}

void *calloc(size_t count, size_t size) {
  if (!real_calloc) {
    size_t bytes = (count * size + 15) & ~(size_t)15;
    if (bootstrap_used + bytes <= sizeof bootstrap) {
      void *p = bootstrap + bootstrap_used;
      bootstrap_used += bytes;
      real_calloc = dlsym(RTLD_NEXT, "calloc");
      return p;
    }
  }
  atomic_fetch_add(&allocations, 1);
  thread_allocations++;
  return real_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
  if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc");
  atomic_fetch_add(&allocations, 1);
  thread_allocations++;
  return real_realloc(pointer, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (!real_posix_memalign) real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
  atomic_fetch_add(&allocations, 1);
  thread_allocations++;
  return real_posix_memalign(out, alignment, size);
}

void free(void *pointer) {
  static void (*real_free)(void *);
  if ((char *)pointer >= bootstrap && (char *)pointer < bootstrap + sizeof bootstrap) return;
  if (!real_free) real_free = dlsym(RTLD_NEXT, "free");
  real_free(pointer);
}
