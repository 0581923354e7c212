// The control commands floatd serves, as types: a request (control_request.hpp) becomes one of
// these once, here, with its arguments checked, and the daemon's dispatch is a visit over the
// variant instead of string comparisons. Pure (the control fuzzer reaches it).
#pragma once

#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "floatd/result.hpp"

namespace floatd::daemon {

struct StatusCommand {
  std::string name;  // one instance; empty: all of them
};
struct VersionCommand {};
struct EventsCommand {};  // the server subscribes the client (control_server.cpp)
struct ReloadCommand {};
struct MetricsCommand {};
struct HandoverCommand {
  std::string name;
};
struct MaintenanceCommand {
  std::string name;
  bool on = false;
};

using ControlCommand = std::variant<StatusCommand, VersionCommand, EventsCommand, ReloadCommand,
                                    MetricsCommand, HandoverCommand, MaintenanceCommand>;

// The command and its arguments, or the error floatctl shows ("unknown command 'x'",
// "handover needs an instance name", ...).
Result<ControlCommand> parse_control_command(const std::string& command, const nlohmann::json& args);

}  // namespace floatd::daemon
