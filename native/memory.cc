// Memory for CPU tensors: on large frames, page faults cost more than the work.
//
// libtorch takes tensor memory from glibc, which maps every large block afresh and unmaps it on free
// (and trims its heap). A 1080p frame's tensors (1-133 MB) are made and freed dozens of times a
// frame, so each one page-faulted all its 4 KB pages again: on 2 cores (Debian 12, glibc 2.36) a
// 1080p generator pass took 1663 ms, ~1100 of them faults, and the engine's reference conv net
// trained at 44-77 GFLOP/s instead of ~240 (bench/RESULTS.md, engine and render). So, once per
// process, tensors from 1 MB come from this cache:
// - A freed block is kept and serves the next tensor it can hold without leaving more than half
//   of it (sizes in 64 KB steps, 2 MB steps from 4 MB), so a frame or a training step that repeats
//   the last one's shapes maps and faults nothing.
// - A new block is mapped and advised to transparent huge pages (one fault per 2 MB). Before it
//   is, the longest-unused kept blocks go back to the system until the process holds no more than
//   the most it has had in use at once plus a quarter of that, at most 64 MB: a 4K final frame's
//   peak (3.9 GB) is not doubled by blocks of sizes that frame no longer asks for. Keeping every
//   freed block (glibc with mmap and trimming off) was as fast, but held +700 MB at that peak.
// - Smaller blocks stay with glibc.
// - The process's other large blocks (JS typed arrays: the stroke stage's fields and images, tensor
//   data read into JS) come from glibc, which mapped each one above 128 KB afresh and unmapped it
//   on free: every frame faulted them in again. Up to 32 MB (a 1080p RGB float image is 25 MB) they
//   now come from the heap, and up to 256 MB of freed heap is kept for reuse (1080p final frames
//   1.93 -> 1.89 s, previews 0.75 -> 0.70 s, the 4K final 39 -> 35 s for +4 MB at its peak).
// releaseCachedMemory() gives the kept blocks back, and trims glibc's heap (a job thread between jobs).
// ATELIER_SYSTEM_ALLOCATOR=1 keeps libtorch's allocator and glibc's defaults.
#include "handle.h"
#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <sys/mman.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>

namespace atelier {
namespace {

constexpr size_t kMB = size_t(1) << 20;
constexpr size_t kCached = kMB;  // the smallest block the cache takes
constexpr size_t kSlackMost = 64 * kMB;  // most a process holds beyond its peak in use

size_t sizeClass(size_t n) {
  const size_t step = n >= 4 * kMB ? 2 * kMB : 64 * 1024;
  return (n + step - 1) / step * step;
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<void*, size_t> mapped;  // every block this cache mapped -> its length
  std::list<std::pair<size_t, void*>> lru;   // free blocks, the longest free first
  std::multimap<size_t, std::list<std::pair<size_t, void*>>::iterator> bySize;
  size_t freeBytes = 0, usedBytes = 0, peakBytes = 0;
  double hits = 0, misses = 0, evicted = 0;

  void keep(void* p, size_t len) {  // with the mutex held, as every method
    bySize.emplace(len, lru.insert(lru.end(), {len, p}));
    freeBytes += len;
    usedBytes -= len;
  }
  void* take(size_t len) {
    auto it = bySize.lower_bound(len);  // the smallest free block that holds it
    if (it == bySize.end() || it->first > 2 * len) return nullptr;  // at most half unused
    const size_t got = it->first;
    it = std::prev(bySize.upper_bound(got));  // of those, the most recently freed
    void* p = it->second->second;
    lru.erase(it->second);
    bySize.erase(it);
    freeBytes -= got;
    usedBytes += got;
    return p;
  }
  void unmapOldest() {
    auto [len, p] = lru.front();
    auto [lo, hi] = bySize.equal_range(len);
    for (auto it = lo; it != hi; ++it)
      if (it->second == lru.begin()) { bySize.erase(it); break; }
    lru.pop_front();
    mapped.erase(p);
    munmap(p, len);
    freeBytes -= len;
    evicted++;
  }
};

Cache* cache = nullptr;  // lives as long as the process (tensors may be freed during exit)
c10::Allocator* base = nullptr;
c10::DeleterFnPtr baseDelete = nullptr;

void release(void* p) {
  {
    std::lock_guard<std::mutex> lock(cache->mutex);
    auto it = cache->mapped.find(p);
    if (it != cache->mapped.end()) {
      cache->keep(p, it->second);
      return;
    }
  }
  baseDelete(p);
}

// Every block's context is its data pointer, so the raw interface works too (one deleter for all).
// libtorch 2.3 made Allocator::allocate non-const and added copy_data: both forms are declared,
// without `override`, so one source builds against Debian's 1.13 and a current CUDA libtorch.
struct CachingAllocator final : c10::Allocator {
  c10::DataPtr allocate(size_t n) const { return take(n); }
  c10::DataPtr allocate(size_t n) { return take(n); }
  void copy_data(void* dest, const void* src, std::size_t count) const { std::memcpy(dest, src, count); }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }

 private:
  static c10::DataPtr take(size_t n) {
    if (n < kCached) {
      c10::DataPtr d = base->allocate(n);
      void* p = d.get();
      TORCH_CHECK(d.get_context() == p, "atelier: unexpected CPU allocation context");
      d.release_context();
      return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
    }
    // libtorch's own message (and no overflow in sizeClass) for sizes no machine has.
    TORCH_CHECK(n <= (size_t(1) << 50), "can't allocate memory: you tried to allocate ", n, " bytes.");
    const size_t len = sizeClass(n);
    std::lock_guard<std::mutex> lock(cache->mutex);
    if (void* p = cache->take(len)) {
      cache->hits++;
      return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
    }
    cache->misses++;
    // Hold at most the most this process has had in use at once, plus min(a quarter, kSlackMost).
    cache->peakBytes = std::max(cache->peakBytes, cache->usedBytes + len);
    while (cache->freeBytes > 0 && cache->usedBytes + cache->freeBytes + len > cache->peakBytes + std::min(cache->peakBytes / 4, kSlackMost)) cache->unmapOldest();
    void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    TORCH_CHECK(p != MAP_FAILED, "can't allocate memory: you tried to allocate ", n, " bytes.");
#ifdef MADV_HUGEPAGE
    if (len >= 2 * kMB) madvise(p, len, MADV_HUGEPAGE);  // a hint; without huge pages, 4 KB ones
#endif
    cache->mapped.emplace(p, len);
    cache->usedBytes += len;
    return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
  }
};

Napi::Value releaseCachedMemory(const Napi::CallbackInfo& info) {
  double bytes = 0;
  if (cache) {
    std::lock_guard<std::mutex> lock(cache->mutex);
    bytes = static_cast<double>(cache->freeBytes);
    while (cache->freeBytes > 0) cache->unmapOldest();
    cache->peakBytes = cache->usedBytes;
  }
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
  return Napi::Number::New(info.Env(), bytes);
}

Napi::Value cachedMemory(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("enabled", cache != nullptr);
  if (cache) {
    std::lock_guard<std::mutex> lock(cache->mutex);
    o.Set("usedBytes", static_cast<double>(cache->usedBytes));
    o.Set("cachedBytes", static_cast<double>(cache->freeBytes));
    o.Set("hits", cache->hits);
    o.Set("misses", cache->misses);
    o.Set("evicted", cache->evicted);
  }
  return o;
}

}  // namespace

void initMemory(Napi::Env env, Napi::Object exports) {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* v = std::getenv("ATELIER_SYSTEM_ALLOCATOR");
    if (v && std::strcmp(v, "1") == 0) return;
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif
    base = c10::GetDefaultCPUAllocator();
    baseDelete = base ? base->raw_deleter() : nullptr;
    if (!baseDelete) return;  // a libtorch whose default allocator has no raw deleter: keep it
    cache = new Cache();
    static CachingAllocator allocator;
    c10::SetAllocator(c10::DeviceType::CPU, &allocator, /*priority=*/1);
  });
  ATELIER_EXPORT(exports, "releaseCachedMemory", releaseCachedMemory);
  ATELIER_EXPORT(exports, "cachedMemory", cachedMemory);
}

}  // namespace atelier
