// An instance's effective priority and faults from what it tracks (scripts, interfaces,
// files), with keepalived's semantics so that existing configs mean the same thing:
//   weight 0: a failure puts the instance in Fault;
//   weight > 0: added while the tracked thing is OK;  weight < 0: added while it has failed;
//   track_file: the number in the file times the weight is added (weight 0: non-zero = Fault).
// The result is clamped to 1..254; an address owner (255) is never adjusted (MODE-8). Pure.
#pragma once

#include <string>
#include <vector>

#include "floatd/types.hpp"

namespace floatd::track {

struct TrackedState {
  std::string what;  // "script chk_web", "interface eth1"
  int weight = 0;
  bool failed = false;
};

struct TrackedValue {
  std::string what;  // "file maint"
  int weight = 0;
  long value = 0;
};

struct PriorityResult {
  Priority effective = kDefaultPriority;
  std::vector<std::string> faults;  // "script chk_web failed"; empty: no fault

  friend bool operator==(const PriorityResult&, const PriorityResult&) = default;
};

PriorityResult effective_priority(Priority base, const std::vector<TrackedState>& states,
                                  const std::vector<TrackedValue>& values);

}  // namespace floatd::track
