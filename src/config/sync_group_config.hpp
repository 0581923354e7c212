// SyncGroupConfig: a [sync_group NAME] section. Its instances change state together: all
// MASTER or none (keepalived's vrrp_sync_group). An instance is in at most one group. The
// group's own notify commands run when the group changes state.
#pragma once

#include <string>
#include <vector>

#include "config/notify_config.hpp"
#include "config/source_loc.hpp"

namespace floatd::config {

// A name written in the config that refers to another section, with where it was written.
struct NameRef {
  std::string name;
  Origin origin;

  friend bool operator==(const NameRef&, const NameRef&) = default;
};

struct SyncGroupConfig {
  std::string name;
  std::vector<NameRef> members;  // `group = a b`, repeated keys append, in order
  NotifyConfig notify;           // `notify` gets "GROUP NAME STATE" appended; `stop` unused
  SectionOrigin origin;

  friend bool operator==(const SyncGroupConfig&, const SyncGroupConfig&) = default;
};

}  // namespace floatd::config
