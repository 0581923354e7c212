#include "daemon/log_sink.hpp"

#include <syslog.h>
#include <time.h>

#include <cstdio>
#include <string>

#include "floatd/text.hpp"

namespace floatd::daemon {
namespace {

// The last guard for outside text that reached a log line unescaped: invalid UTF-8 and
// control bytes (a terminal escape, a carriage return) are escaped; newlines and tabs stay.
// Text is made safe where it enters (script output, file contents, interface names); this
// keeps a missed path from writing raw bytes to a terminal or the journal.
std::string printable(std::string_view message) {
  constexpr std::size_t kMaxLine = 64 * 1024;
  if (message.size() <= kMaxLine && is_clean_text(message, true)) return std::string(message);
  return sanitize_text(message, kMaxLine, true);
}

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "?";
}

class ConsoleLog final : public Log {
 public:
  explicit ConsoleLog(bool debug) : debug_(debug) {}
  void write(LogLevel level, std::string_view message) override {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    localtime_r(&ts.tv_sec, &t);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%H:%M:%S", &t);
    const std::string line = printable(message);
    std::fprintf(stderr, "%s.%03ld %s: %s\n", stamp, ts.tv_nsec / 1'000'000, level_name(level),
                 line.c_str());
  }
  bool debug_enabled() const override { return debug_; }

 private:
  bool debug_;
};

class SyslogLog final : public Log {
 public:
  explicit SyslogLog(bool debug) : debug_(debug) { openlog("floatd", LOG_PID, LOG_DAEMON); }
  ~SyslogLog() override { closelog(); }
  void write(LogLevel level, std::string_view message) override {
    static constexpr int kPriority[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};
    syslog(kPriority[static_cast<int>(level)], "%s", printable(message).c_str());
  }
  bool debug_enabled() const override { return debug_; }

 private:
  bool debug_;
};

}  // namespace

std::unique_ptr<Log> make_log(bool console, bool debug) {
  if (console) return std::make_unique<ConsoleLog>(debug);
  return std::make_unique<SyslogLog>(debug);
}

}  // namespace floatd::daemon
