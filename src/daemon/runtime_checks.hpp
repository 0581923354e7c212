// Config checks that need the running system, run after validation by `floatd -t`, at start
// and at every reload: command lines of scripts and notify commands parse, the users they run
// as exist, and with enable_script_security no program is changeable by a non-root user.
// Errors point at the key that named the command: FILE:LINE: key: reason.
#pragma once

#include <vector>

#include "config/config.hpp"

namespace floatd::daemon {

std::vector<config::ConfigError> runtime_checks(const config::Config& config);

}  // namespace floatd::daemon
