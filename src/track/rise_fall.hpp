// Rise/fall hysteresis of a health check (keepalived's vrrp_script rise/fall): `fall`
// failures in a row make a passing check failed, `rise` successes in a row make a failed
// check pass again. Pure.
#pragma once

namespace floatd::track {

class RiseFall {
 public:
  RiseFall(int rise, int fall, bool init_fail)
      : rise_(rise < 1 ? 1 : rise), fall_(fall < 1 ? 1 : fall), failed_(init_fail) {}

  bool failed() const { return failed_; }
  // How many results in a row have disagreed with the current state.
  int streak() const { return streak_; }
  // True when `fall` (or `rise`) results in a row disagree after this one: the caller decides
  // whether to commit() (it may first try recovery).
  bool would_change(bool success) const {
    if (success == !failed_) return false;
    return streak_ + 1 >= (failed_ ? rise_ : fall_);
  }
  // Records one result; returns true when the state changed.
  bool record(bool success) {
    if (success == !failed_) {
      streak_ = 0;
      return false;
    }
    if (++streak_ < (failed_ ? rise_ : fall_)) return false;
    failed_ = !failed_;
    streak_ = 0;
    return true;
  }

 private:
  int rise_;
  int fall_;
  bool failed_;
  int streak_ = 0;
};

}  // namespace floatd::track
