// MonoClock::now(): CLOCK_MONOTONIC in microseconds. Only the daemon calls it; the
// protocol core receives times as arguments.
#include <time.h>

#include "floatd/time.hpp"

namespace floatd {

MonoTime MonoClock::now() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return MonoTime{Microseconds{static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000}};
}

}  // namespace floatd
