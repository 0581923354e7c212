// The status of instances and trackers as JSON: what `floatctl status --json` prints and what
// the text table is rendered from. Field names are part of the control protocol.
//
// The instances are written as JSON text straight into a string (json_text.hpp), not built as a
// nlohmann tree: at thousands of instances the tree's allocations, its dump() and its
// destruction cost hundreds of milliseconds of the event loop. The text is byte for byte what
// dump() of the former tree gave (keys in sorted order), so the schema and the bytes floatctl
// prints do not change.
#pragma once


#include <nlohmann/json.hpp>

#include "daemon/instance.hpp"
#include "daemon/json_text.hpp"
#include "daemon/tracking_report.hpp"

namespace floatd::daemon {

// One instance's status object. `now` dates what is relative: how long ago a path last heard,
// a stranger was seen.
void write_instance_status(JsonText& out, const Instance& instance, MonoTime now);
nlohmann::json instance_status(const Instance& instance, MonoTime now);

// The `kernel` event for `floatctl events`: the instance's difference from the kernel (the same
// fields as its status's "kernel" member) and a line of text.
nlohmann::json kernel_event(const Instance& instance);

// {"scripts":[...],"files":[...]}: the status's "tracking" member.
nlohmann::json tracking_status(const TrackingSnapshot& tracking);

}  // namespace floatd::daemon
