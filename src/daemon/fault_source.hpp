// Where an instance's fault comes from. Each source raises or clears its own fault
// (Instance::set_fault); the instance is in Fault while any source has one.
//
// The order is the order of precedence: when several sources have a fault, the machine is
// told the first one's reason (a link that is down explains more than the checks failing
// because of it). It is the order the sources had when they were keyed by name, so the
// reason a Fault shows did not change when they became an enum.
#pragma once

#include <string_view>

namespace floatd::daemon {

enum class FaultSource {
  kLink,       // the interface is missing, down, without carrier or without an address
  kSyncGroup,  // imposed by the instance's sync group: another member is in Fault
  kTrack,      // a weight-0 tracked script, interface or file has failed
};

// "link", "sync_group", "track": for log lines.
constexpr std::string_view fault_source_name(FaultSource source) {
  switch (source) {
    case FaultSource::kLink: return "link";
    case FaultSource::kSyncGroup: return "sync_group";
    case FaultSource::kTrack: return "track";
  }
  return "unknown";
}

}  // namespace floatd::daemon
