// The control transport over a real unix stream socket (daemon_ports.hpp, ControlTransport):
// binds the path floatctl connects to, root-only (0600) or for one group (0660), and accepts
// connections as non-blocking descriptors. A socket file left by a crashed floatd is replaced;
// the file goes when the listener does. The pid file, taken first, keeps a second floatd from
// replacing a running one's socket.
#pragma once

#include <memory>
#include <string>

#include "daemon/daemon_ports.hpp"

namespace floatd::daemon {

class UnixControlTransport final : public ControlTransport {
 public:
  Result<std::unique_ptr<ControlListener>> listen(const std::string& path,
                                                  const std::string& group) override;
};

}  // namespace floatd::daemon
