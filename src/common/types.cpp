#include "floatd/types.hpp"

namespace floatd {

std::string_view state_name(State s) {
  switch (s) {
    case State::kInit: return "INIT";
    case State::kBackup: return "BACKUP";
    case State::kMaster: return "MASTER";
    case State::kFault: return "FAULT";
  }
  return "?";
}

}  // namespace floatd
