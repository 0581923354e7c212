#include "daemon/control_command.hpp"

#include <optional>

namespace floatd::daemon {
namespace {

// args["name"] when it is a string; nullopt when absent; an error when it is something else.
Result<std::optional<std::string>> name_arg(const nlohmann::json& args) {
  const auto n = args.find("name");
  if (n == args.end()) return std::optional<std::string>{};
  if (!n->is_string()) return fail(std::string("name must be a string"));
  return std::optional<std::string>{n->get<std::string>()};
}

}  // namespace

Result<ControlCommand> parse_control_command(const std::string& command, const nlohmann::json& args) {
  if (command == "status") {
    auto name = name_arg(args);
    if (!name) return fail(name.error());
    return ControlCommand{StatusCommand{name->value_or("")}};
  }
  if (command == "version") return ControlCommand{VersionCommand{}};
  if (command == "events") return ControlCommand{EventsCommand{}};
  if (command == "reload") return ControlCommand{ReloadCommand{}};
  if (command == "metrics") return ControlCommand{MetricsCommand{}};
  if (command == "handover" || command == "maintenance") {
    auto name = name_arg(args);
    if (!name || !*name) return fail(command + " needs an instance name");
    if (command == "handover") return ControlCommand{HandoverCommand{**name}};
    const auto on = args.find("on");
    if (on == args.end() || !on->is_boolean()) return fail(std::string("maintenance needs on or off"));
    return ControlCommand{MaintenanceCommand{**name, on->get<bool>()}};
  }
  return fail("unknown command '" + command + "'");
}

}  // namespace floatd::daemon
