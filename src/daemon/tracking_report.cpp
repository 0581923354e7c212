#include "daemon/tracking_report.hpp"

namespace floatd::daemon {

std::string_view script_state_name(ScriptState state) {
  switch (state) {
    case ScriptState::kOk: return "OK";
    case ScriptState::kFailed: return "FAILED";
    case ScriptState::kRecovering: return "RECOVERING";
  }
  return "UNKNOWN";
}

TrackerText tracker_text(const TrackerChange& change) {
  if (const auto* s = std::get_if<ScriptChange>(&change)) {
    return {"script " + s->name, std::string(script_state_name(s->state)), s->detail};
  }
  const auto& f = std::get<FileChange>(change);
  return {"file " + f.name, std::to_string(f.value), f.file};
}

}  // namespace floatd::daemon
