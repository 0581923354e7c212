// Time in floatd: units live in types.
//
// Centiseconds is the unit of the VRRPv3 wire (Max Adver Int) and of the config
// (advert_int, preempt_delay ...). MonoTime is a point on the monotonic clock with
// microsecond resolution: timer math (Skew_Time, Master_Down_Interval) is done in
// microseconds so that one priority step in VRRPv2 (1/256 s = 3.90625 ms) is not
// rounded away (rfc-checklist TMR-7, TMR-9). The daemon reads CLOCK_MONOTONIC; unit
// tests use a FakeClock.
#pragma once

#include <chrono>
#include <cstdint>

namespace floatd {

using Centiseconds = std::chrono::duration<std::int64_t, std::centi>;
using Microseconds = std::chrono::microseconds;

// The monotonic clock floatd reads. now() is CLOCK_MONOTONIC; only the daemon calls it.
struct MonoClock {
  using duration = Microseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<MonoClock, duration>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept;
};

using MonoTime = MonoClock::time_point;

// A source of the current time, passed in wherever time is read (never a global).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime now() const = 0;
};

class SystemClock final : public Clock {
 public:
  MonoTime now() const override { return MonoClock::now(); }
};

// For tests: time moves only when the test says so.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(MonoTime start = MonoTime{Microseconds{1'000'000}}) : now_(start) {}
  MonoTime now() const override { return now_; }
  void advance(Microseconds d) { now_ += d; }
  void set(MonoTime t) { now_ = t; }

 private:
  MonoTime now_;
};

}  // namespace floatd
