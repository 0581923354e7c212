// The daemon's ports over the real system (daemon_ports.hpp): rtnetlink through net::Kernel and
// net::LinkMonitor, raw VRRP sockets, the AF_PACKET announcer, a CLOCK_MONOTONIC timerfd, the
// monotonic clock and the unix control socket (control_socket.hpp). Opening them needs
// CAP_NET_ADMIN and CAP_NET_RAW.
#pragma once

#include <memory>

#include "daemon/daemon_ports.hpp"

namespace floatd::daemon {

class SystemPorts {
 public:
  // Errors name the part that could not be opened ("netlink: ...", "link monitor: ...").
  static Result<std::unique_ptr<SystemPorts>> open();
  ~SystemPorts();
  SystemPorts(const SystemPorts&) = delete;
  SystemPorts& operator=(const SystemPorts&) = delete;

  DaemonPorts ports();

 private:
  struct Parts;
  explicit SystemPorts(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// The real VRRP sockets alone (what SystemPorts uses), for a test that drives a Daemon over
// real raw sockets and fakes for the rest (tests/daemon/advert_allocations_test.cpp).
std::unique_ptr<AdvertTransport> system_advert_transport();

}  // namespace floatd::daemon
