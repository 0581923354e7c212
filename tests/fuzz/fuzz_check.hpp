// FUZZ_REQUIRE: the fuzz targets' assertion. Unlike assert() it holds in every build type, and
// it aborts with a message so that libFuzzer records the input as a crash.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace floatd::fuzz {

[[noreturn]] inline void require_failed(const char* expr, std::string_view what, const char* file,
                                        int line) {
  std::fprintf(stderr, "%s:%d: FUZZ_REQUIRE(%s) failed: %.*s\n", file, line, expr,
               static_cast<int>(what.size()), what.data());
  std::abort();
}

}  // namespace floatd::fuzz

#define FUZZ_REQUIRE(cond, what)                                                  \
  do {                                                                            \
    if (!(cond)) ::floatd::fuzz::require_failed(#cond, what, __FILE__, __LINE__); \
  } while (0)
