// The status of instances and trackers as JSON: what `floatctl status --json` prints and what
// the text table is rendered from. Field names are part of the control protocol.
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/instance.hpp"
#include "daemon/tracking_report.hpp"

namespace floatd::daemon {

// `now` dates what is relative: how long ago a path last heard, a stranger was seen.
nlohmann::json instance_status(const Instance& instance, MonoTime now);

// The `kernel` event for `floatctl events`: the instance's difference from the kernel (the same
// fields as its status's "kernel" member) and a line of text.
nlohmann::json kernel_event(const Instance& instance);

// {"version":1,"instances":[...]}, only `name` when it is not empty.
nlohmann::json status(const std::vector<const Instance*>& instances,
                      std::string_view name, MonoTime now);

// {"scripts":[...],"files":[...]}: the status's "tracking" member.
nlohmann::json tracking_status(const TrackingSnapshot& tracking);

}  // namespace floatd::daemon
