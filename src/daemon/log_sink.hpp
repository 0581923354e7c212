// Where log lines go: stderr with a timestamp (-l), or syslog (daemon facility).
#pragma once

#include <memory>

#include "floatd/log.hpp"

namespace floatd::daemon {

std::unique_ptr<Log> make_log(bool console, bool debug);

}  // namespace floatd::daemon
