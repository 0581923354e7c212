#include "track/priority.hpp"

#include <algorithm>

namespace floatd::track {

PriorityResult effective_priority(Priority base, const std::vector<TrackedState>& states,
                                  const std::vector<TrackedValue>& values) {
  PriorityResult out;
  long priority = base;
  for (const auto& s : states) {
    if (s.weight == 0) {
      if (s.failed) out.faults.push_back(s.what + " failed");
    } else if ((s.weight > 0) != s.failed) {
      priority += s.weight;
    }
  }
  for (const auto& v : values) {
    if (v.weight == 0) {
      if (v.value != 0) out.faults.push_back(v.what + " is " + std::to_string(v.value));
    } else {
      // Bounded so that a huge number in the file cannot overflow the sum.
      priority += std::clamp<long>(v.value, -1000, 1000) * v.weight;
    }
  }
  out.effective = base == kOwnerPriority
                      ? kOwnerPriority
                      : static_cast<Priority>(std::clamp<long>(priority, 1, 254));
  return out;
}

}  // namespace floatd::track
