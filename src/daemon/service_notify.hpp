// systemd's readiness protocol (sd_notify(3)), without libsystemd: one datagram with
// "READY=1", "RELOADING=1" or "STOPPING=1" to the unix socket named by $NOTIFY_SOCKET (a path,
// or an abstract name written with a leading '@'). libsystemd and the six libraries it pulls
// in were a megabyte of floatd's resident memory for this one datagram.
#pragma once

#include <string>
#include <string_view>

namespace floatd::daemon {

// Sends `state` to $NOTIFY_SOCKET. Without the variable (not started by systemd with
// Type=notify) it does nothing and returns an empty string; otherwise the error, if any.
std::string notify_service_manager(std::string_view state);

}  // namespace floatd::daemon
