// ScriptConfig: a [script NAME] section, keepalived's vrrp_script: a command run every
// `interval` whose exit status (0 = up), debounced by `rise` and `fall`, either moves the
// priority of the instances that track it by `weight` or, with weight 0, faults them.
//
// With `recover`, reaching `fall` failures runs that command (as `user`, bounded by
// `timeout`) and then the check again at once, up to `recover_attempts` rounds; only a check
// that still fails marks the script failed.
#pragma once

#include <string>

#include "config/source_loc.hpp"
#include "floatd/time.hpp"

namespace floatd::config {

struct ScriptConfig {
  std::string name;
  std::string command;         // `script`: an absolute path, then arguments
  Centiseconds interval{100};  // default 1 s
  Centiseconds timeout{100};   // default: the interval
  int fall = 1;                // failures in a row before down, 1..255
  int rise = 1;                // successes in a row before up, 1..255
  int weight = 0;              // -253..253; 0 = a failure faults the instance
  std::string user;            // default: [global] script_user
  bool init_fail = false;      // start as failed instead of up
  std::string recover;         // run after `fall` failures; empty = none; like `command`
  int recover_attempts = 1;    // rounds of recover + check, 1..10; only with `recover`
  SectionOrigin origin;

  friend bool operator==(const ScriptConfig&, const ScriptConfig&) = default;
};

}  // namespace floatd::config
