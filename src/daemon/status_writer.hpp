// The status of all instances written a few at a time (a ReplyWriter, control_request.hpp): at
// 4,000 instances the whole text takes milliseconds to write, longer than an advert may wait,
// so the control server writes it a step per turn of the event loop.
//
// Between steps the daemon runs: an instance's counters may move (each instance is written as it
// is at its step), and a reload may add or remove instances. The writer keeps the list it started
// from and, at each step, compares it with the daemon's current list: when they differ, what it
// wrote may name instances that are gone, so it takes its text back and starts again. Only a list
// equal to the current one is ever read, so no step touches a freed instance. After kMaxRestarts
// it writes everything in one step, so a daemon reloading without pause still gets an answer.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/control_request.hpp"
#include "daemon/instance.hpp"

namespace floatd::daemon {

class StatusWriter final : public ReplyWriter {
 public:
  // A step ends after kStepTime of writing (the clock is read every 16 instances) or
  // kInstancesPerStep instances, whichever comes first: the loop waits at most about that long.
  static constexpr Microseconds kStepTime{500};
  static constexpr std::size_t kInstancesPerStep = 512;
  static constexpr int kMaxRestarts = 3;

  struct Source {
    std::function<std::vector<const Instance*>()> instances;  // the daemon's, now
    std::function<MonoTime()> now;
    std::function<nlohmann::json()> more;  // the other members: tracking, drop counters
  };

  // Only the instance called `name`, when it is not empty (then written in one step).
  StatusWriter(Source source, std::string name);

  bool write_some(std::string& out) override;
  int restarts() const { return restarts_; }

 private:
  void begin(std::string& out);
  void finish(std::string& out);

  Source source_;
  std::string name_;
  bool started_ = false;
  std::size_t start_ = 0;  // where the text begins in `out`
  std::vector<const Instance*> list_;
  std::size_t next_ = 0;     // the next instance of list_ to write
  std::size_t written_ = 0;  // instances written (the name filter skips some)
  int restarts_ = 0;
};

// The whole status at once: {"instances":[...], <the members of `more`>, "version":1}, only
// `name` when it is not empty. `more`'s names sort after "instances" and before "version".
std::string status_text(const std::vector<const Instance*>& instances, std::string_view name,
                        MonoTime now, const nlohmann::json& more);

}  // namespace floatd::daemon
