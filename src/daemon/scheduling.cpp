#include "daemon/scheduling.hpp"

#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstring>

namespace floatd::daemon {

std::vector<std::string> Scheduling::apply(const config::GlobalConfig& global) {
  std::vector<std::string> refused;
  auto refuse = [&](const std::string& what) {
    refused.push_back(what + ": " + std::strerror(errno));
  };
  const int want = global.vrrp_rt_priority;
  if (want != rt_priority_) {
    sched_param param{};
    param.sched_priority = want;
    const int policy = (want > 0 ? SCHED_RR : SCHED_OTHER) | SCHED_RESET_ON_FORK;
    if (sched_setscheduler(0, policy, &param) == 0) {
      rt_priority_ = want;
    } else {
      refuse(want > 0 ? "vrrp_rt_priority " + std::to_string(want) + " (SCHED_RR)"
                      : std::string("vrrp_rt_priority off (back to SCHED_OTHER)"));
    }
  }

  // After the policy: leaving SCHED_RR gives the thread the default slack back (a real-time
  // thread has none).
  if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) < 0) refuse("timer slack of 1 ns");

  if (global.vrrp_no_swap && !locked_) {
    if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) {
      locked_ = true;
    } else {
      refuse("vrrp_no_swap (mlockall)");
    }
  } else if (!global.vrrp_no_swap && locked_) {
    if (munlockall() == 0) {
      locked_ = false;
    } else {
      refuse("vrrp_no_swap off (munlockall)");
    }
  }
  return refused;
}

}  // namespace floatd::daemon
