// Prometheus text exposition (version 0.0.4) of floatd's state and counters: what
// `floatctl metrics` prints, for a node exporter textfile collector or a scrape wrapper.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/control_stats.hpp"
#include "daemon/instance.hpp"
#include "daemon/loop_meter.hpp"
#include "daemon/tracking_report.hpp"

namespace floatd::daemon {

// The daemon's own counters, beside the instances' and the trackers'.
struct DaemonCounters {
  std::uint64_t unknown_vrid_drops = 0;
  ControlStats control;
  LoopStats loop;
};

// `tracking` is Tracking::snapshot().
std::string metrics_text(const std::vector<const Instance*>& instances, const TrackingSnapshot& tracking,
                         const DaemonCounters& counters);

}  // namespace floatd::daemon
