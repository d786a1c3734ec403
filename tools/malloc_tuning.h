// The `varve` binary's allocator settings.
//
// On Linux, page faults are a large share of an ingest's CPU time: glibc's
// malloc grows each thread's heap a few pages at a time and hands memory
// back as soon as it is freed, and it gives every block above 128 KiB (a
// batch's vectors, log buffers) a mapping of its own that is unmapped when
// freed, so each such buffer costs a fault per 4 KiB page (about 10 us each
// on a virtual machine) and the zeroing of every page, again and again.
// Four glibc tunables remove nearly all of that:
//
//   glibc.malloc.hugetlb=1              heaps are advised to use transparent
//                                       huge pages (where THP is "madvise")
//   glibc.malloc.top_pad=64 MiB         heaps grow in large steps, so that a
//                                       huge page can back them
//   glibc.malloc.trim_threshold=1 GiB   freed memory is kept for reuse
//   glibc.malloc.mmap_threshold=32 MiB  blocks below 32 MiB come from the
//                                       heaps, and are reused
//
// Tunables are read only when a process starts, so the binary sets them and
// executes itself again, once, before doing anything else. Nothing changes
// when GLIBC_TUNABLES already names a malloc tunable (the user's choice, or
// the second start), when VARVE_MALLOC_TUNING=0, under valgrind (whose tools
// would not follow the new start), or where the C library is not glibc.
// The library itself never does this: an embedding program owns its
// allocator (README.md, "Memory allocation", shows the same setting for
// it).
#ifndef VARVE_TOOLS_MALLOC_TUNING_H_
#define VARVE_TOOLS_MALLOC_TUNING_H_

namespace varve::tools {

// The tunables set, as GLIBC_TUNABLES spells them.
inline constexpr const char* kMallocTunables =
    "glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=1073741824:"
    "glibc.malloc.top_pad=67108864:glibc.malloc.mmap_threshold=33554432";

// Executes /proc/self/exe with `argv` and the tunables if the conditions
// above allow; returns (with the environment as it was) when they do not or
// the exec fails.
void RestartWithMallocTunables(char** argv);

}  // namespace varve::tools

#endif  // VARVE_TOOLS_MALLOC_TUNING_H_
