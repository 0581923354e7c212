// NotifyConfig: the commands run when an [instance NAME] or a [sync_group NAME] changes
// state (keepalived's notify_* of vrrp_instance and vrrp_sync_group). Each runs as
// [global] script_user and is killed after [global] notify_timeout.
#pragma once

#include <string>

namespace floatd::config {

// Commands run on transitions; empty = none. `any` (key `notify`) runs on every one.
struct NotifyConfig {
  std::string master;
  std::string backup;
  std::string fault;
  std::string stop;  // instances only: a sync group has no notify_stop (nor has keepalived's)
  std::string any;
  // Instances only: run when a Master hears a lower-priority Master (keepalived's
  // notify_master_rx_lower_pri), at most once per Master_Down_Interval.
  std::string master_rx_lower_pri;

  friend bool operator==(const NotifyConfig&, const NotifyConfig&) = default;
};

}  // namespace floatd::config
