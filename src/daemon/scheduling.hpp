// How floatd asks Linux to keep it on time: timer slack, real-time scheduling and locked memory.
//
// Timer slack is always 1 ns: the kernel may otherwise fire floatd's timerfd up to 50 us late
// (the default slack of a normal thread), which is most of a takeover's budget. The other two
// are the [global] keys vrrp_rt_priority (SCHED_RR) and vrrp_no_swap (mlockall), named after
// keepalived's. Scripts and notify commands never inherit any of it (SCHED_RESET_ON_FORK;
// spawn.cpp resets the slack; memory locks are not inherited across fork).
#pragma once

#include <string>
#include <vector>

#include "config/global_config.hpp"

namespace floatd::daemon {

class Scheduling {
 public:
  // Applies `global` to the calling process; call again on reload: an option turned off is
  // undone, but only if floatd set it (a floatd started under `chrt -r` keeps that policy).
  // Returns one line per setting the kernel refused (e.g. EPERM in a container without
  // CAP_SYS_NICE or CAP_IPC_LOCK); floatd runs on without it.
  std::vector<std::string> apply(const config::GlobalConfig& global);

 private:
  int rt_priority_ = 0;  // what floatd set, 0 for nothing
  bool locked_ = false;
};

}  // namespace floatd::daemon
