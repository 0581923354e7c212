#include "vrrp/events.hpp"

namespace floatd::vrrp {

std::string transition_text(const StateChanged& change) {
  std::string text = std::string(state_name(change.from)) + " -> " +
                     std::string(state_name(change.to)) + " (" +
                     std::string(reason_text(change.reason));
  if (!change.detail.empty()) text += ": " + change.detail;
  return text + ")";
}

}  // namespace floatd::vrrp
