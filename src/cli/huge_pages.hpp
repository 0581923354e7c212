// Asks the kernel for transparent huge pages under a large buffer before it is first written
// (THP in its default "madvise" mode). floatctl reads a status of megabytes at thousands of
// instances (the reply's text and its tape of tokens, about 14 MB at 4,000): in 4 KiB pages
// that is thousands of page faults, a fifth of floatctl status's time on a virtual machine
// (issue 14); in 2 MiB pages, a handful. Only the whole 2 MiB pages inside the buffer are
// advised; a smaller buffer, or a kernel without THP, is left as it is.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace floatd::cli {

inline void advise_huge_pages(const void* begin, std::size_t size) {
  constexpr std::uintptr_t kHuge = 2 * 1024 * 1024;
  const auto from = (reinterpret_cast<std::uintptr_t>(begin) + kHuge - 1) & ~(kHuge - 1);
  const auto to = (reinterpret_cast<std::uintptr_t>(begin) + size) & ~(kHuge - 1);
  if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
}

}  // namespace floatd::cli
