// Logging: one interface, two sinks (stderr with -l, syslog otherwise), and a rate limiter
// for per-packet complaints (RFC 9568 §7.1: log failures subject to rate limiting, IOP-6).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "floatd/time.hpp"

namespace floatd {

enum class LogLevel : std::uint8_t { kError, kWarning, kNotice, kInfo, kDebug };

class Log {
 public:
  virtual ~Log() = default;
  virtual void write(LogLevel level, std::string_view message) = 0;
  virtual bool debug_enabled() const = 0;

  void error(std::string_view m) { write(LogLevel::kError, m); }
  void warning(std::string_view m) { write(LogLevel::kWarning, m); }
  void notice(std::string_view m) { write(LogLevel::kNotice, m); }
  void info(std::string_view m) { write(LogLevel::kInfo, m); }
  void debug(std::string_view m) {
    if (debug_enabled()) write(LogLevel::kDebug, m);
  }
};

// Allows `burst` messages per `period`; counts what it suppressed so the next allowed line
// can say "(N similar messages suppressed)".
class RateLimiter {
 public:
  RateLimiter(int burst, Microseconds period) : burst_(burst), period_(period) {}

  // Returns nullopt when the message must be dropped, else the number suppressed since the
  // last allowed one.
  std::optional<std::uint64_t> allow(MonoTime now);

 private:
  int burst_;
  Microseconds period_;
  MonoTime window_start_{};
  int used_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace floatd
