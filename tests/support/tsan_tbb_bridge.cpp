// TSan builds only (DESCENT_SANITIZE=thread): makes the synchronization of
// Debian's uninstrumented libtbb visible to ThreadSanitizer, so that TSan
// reports races in our code instead of false races in TBB's. Tests get it
// through LD_PRELOAD (tests/CMakeLists.txt). What it does:
//
// 1. The headers announce their sync points (spawn, wait_context release,
//    the acquire after a join) through r1::call_itt_notify when compiled
//    with TBB_USE_PROFILING_TOOLS=2 (top-level CMakeLists.txt); libtbb
//    announces its own (a task pushed to a slot, a task stolen from it) to
//    an ITT collector. This library is that collector: releasing and
//    acquired become __tsan_release and __tsan_acquire on the same address,
//    the edges an instrumented libtbb would show TSan through its atomics.
// 2. Task objects come from per-thread pools whose free lists are libtbb
//    atomics: a task freed by one thread and reused by another looks like
//    a race on the task's fields. The interposed r1::allocate/deallocate
//    add the pool's release (free) -> acquire (reuse) edge on the address.
// 3. A join ends when libtbb's own (uninstrumented) acquire load sees the
//    wait_context's count reach 0, but the last release's fetch_sub comes
//    after its ITT notification, so TSan would not order that fetch_sub
//    before the waiter's next use of the memory (the next wait_context on
//    the same stack slot). The interposed r1::wait/execute_and_wait acquire
//    the count's TSan sync object after the wait, as that load does.
// 4. libtbb's own calls into TSan's interceptors (malloc/free, memcmp on
//    its internal state, ordered by its uninstrumented atomics) are not
//    checked: __tsan_default_suppressions below says called_from_lib for
//    it. That skips only interceptor calls made from libtbb's code, never
//    an access made by our code or by TBB header code compiled into it.
// 5. libtbb loads the collector named by INTEL_LIBITTNOTIFY64 at scheduler
//    start; the constructor below names this library, so LD_PRELOAD alone
//    is enough (child processes, e.g. the CLI run by cli_sweep, inherit it).
//
// Apart from 4, nothing is suppressed: 1-3 only add happens-before edges
// that TBB really provides, so a race between two tasks' own accesses is
// still reported (the tsan_canary_race test proves it). The library is built
// without -fsanitize and calls TSan through weak symbols: a process without
// the TSan runtime (a shell run by a test) just gets no-ops.
#include <dlfcn.h>
#include <oneapi/tbb/detail/_small_object_pool.h>
#include <oneapi/tbb/detail/_task.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" {
[[gnu::weak]] void __tsan_acquire(void* addr);
[[gnu::weak]] void __tsan_release(void* addr);

// ITT collector ABI (oneTBB src/tbb/tools_api/ittnotify_static.c): version
// 1 means "fill the API pointers by name", for the groups named in
// INTEL_ITTNOTIFY_GROUPS.
[[gnu::visibility("default")]] int __itt_api_version = 1;

[[gnu::visibility("default")]] void __itt_sync_acquired(void* addr) {
  if (__tsan_acquire) __tsan_acquire(addr);
}

[[gnu::visibility("default")]] void __itt_sync_releasing(void* addr) {
  if (__tsan_release) __tsan_release(addr);
}

// Read by the TSan runtime at start (it overrides the runtime's weak default).
[[gnu::visibility("default")]] const char* __tsan_default_suppressions() {
  return "called_from_lib:libtbb.so.12\n";
}
}

namespace {

namespace d1 = tbb::detail::d1;

[[gnu::constructor]] void name_itt_collector() {
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&name_itt_collector), &self) &&
      self.dli_fname) {
    setenv("INTEL_LIBITTNOTIFY64", self.dli_fname, 0);
    setenv("INTEL_ITTNOTIFY_GROUPS", "sync", 0);
  }
}

// libtbb's own definition; ours shadow it in the global scope.
template <typename F>
F* tbb_function(const char* mangled) {
  void* tbb = dlopen("libtbb.so.12", RTLD_NOW | RTLD_NOLOAD);
  void* f = tbb ? dlsym(tbb, mangled) : nullptr;
  if (!f) {
    std::fprintf(stderr, "tsan_tbb_bridge: %s not in libtbb.so.12\n", mangled);
    std::abort();
  }
  return reinterpret_cast<F*>(f);
}

void acquire(void* p) {
  if (__tsan_acquire) __tsan_acquire(p);
}

void release(void* p) {
  if (__tsan_release) __tsan_release(p);
}

// d1::wait_context's layout in oneTBB 2021 (its members are private).
struct wait_context_layout {
  std::uint64_t version_and_traits;
  std::atomic<std::uint64_t> ref_count;
};
static_assert(sizeof(wait_context_layout) == sizeof(d1::wait_context));

void acquire_join(d1::wait_context& w) {
  acquire(&reinterpret_cast<wait_context_layout&>(w).ref_count);
}

}  // namespace

namespace tbb::detail::r1 {

void* allocate(d1::small_object_pool*& pool, std::size_t n,
               const d1::execution_data& ed) {
  static auto* real = tbb_function<void*(d1::small_object_pool*&, std::size_t,
                                         const d1::execution_data&)>(
      "_ZN3tbb6detail2r18allocateERPNS0_2d117small_object_poolEmRKNS2_"
      "14execution_dataE");
  void* p = real(pool, n, ed);
  acquire(p);
  return p;
}

void* allocate(d1::small_object_pool*& pool, std::size_t n) {
  static auto* real = tbb_function<void*(d1::small_object_pool*&, std::size_t)>(
      "_ZN3tbb6detail2r18allocateERPNS0_2d117small_object_poolEm");
  void* p = real(pool, n);
  acquire(p);
  return p;
}

void deallocate(d1::small_object_pool& pool, void* p, std::size_t n,
                const d1::execution_data& ed) {
  static auto* real = tbb_function<void(
      d1::small_object_pool&, void*, std::size_t, const d1::execution_data&)>(
      "_ZN3tbb6detail2r110deallocateERNS0_2d117small_object_poolEPvmRKNS2_"
      "14execution_dataE");
  release(p);
  real(pool, p, n, ed);
}

void deallocate(d1::small_object_pool& pool, void* p, std::size_t n) {
  static auto* real =
      tbb_function<void(d1::small_object_pool&, void*, std::size_t)>(
          "_ZN3tbb6detail2r110deallocateERNS0_2d117small_object_poolEPvm");
  release(p);
  real(pool, p, n);
}

void wait(d1::wait_context& w, d1::task_group_context& ctx) {
  static auto* real =
      tbb_function<void(d1::wait_context&, d1::task_group_context&)>(
          "_ZN3tbb6detail2r14waitERNS0_2d112wait_contextERNS2_18task_group_"
          "contextE");
  real(w, ctx);
  acquire_join(w);
}

void execute_and_wait(d1::task& t, d1::task_group_context& t_ctx,
                      d1::wait_context& w, d1::task_group_context& w_ctx) {
  static auto* real =
      tbb_function<void(d1::task&, d1::task_group_context&, d1::wait_context&,
                        d1::task_group_context&)>(
          "_ZN3tbb6detail2r116execute_and_waitERNS0_2d14taskERNS2_18task_group_"
          "contextERNS2_12wait_contextES6_");
  real(t, t_ctx, w, w_ctx);
  acquire_join(w);
}

}  // namespace tbb::detail::r1
