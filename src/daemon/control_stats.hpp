// What the control server reports of its clients (control_server.hpp): in the status's
// "control" member and the floatd_control_* metrics.
#pragma once

#include <cstddef>
#include <cstdint>

namespace floatd::daemon {

struct ControlStats {
  std::size_t clients = 0;
  std::size_t subscribers = 0;
  std::uint64_t evicted = 0;  // closed, quiet longest, to make room for a new connection
  std::uint64_t refused = 0;  // new connections closed unserved: every client was owed something
  std::uint64_t shed = 0;     // closed holding most when all held over ControlLimits::buffered
};

}  // namespace floatd::daemon
