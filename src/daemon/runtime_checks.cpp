#include "daemon/runtime_checks.hpp"

#include <grp.h>
#include <pwd.h>

#include <vector>

#include "track/command.hpp"
#include "track/script_security.hpp"

namespace floatd::daemon {
namespace {

using config::ConfigError;
using config::SectionOrigin;

bool user_exists(const std::string& user) {
  if (user.empty()) return true;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  return getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr;
}

void check_command(const std::string& line, const SectionOrigin& origin, const std::string& key,
                   bool security, std::vector<ConfigError>& out) {
  if (line.empty()) return;
  auto cmd = track::parse_command(line);
  if (!cmd) {
    out.push_back({origin.at(key), key, cmd.error()});
    return;
  }
  if (!security) return;
  if (auto ok = track::check_script_security(*cmd); !ok) {
    out.push_back({origin.at(key), key, ok.error() + " (enable_script_security refuses it)"});
  }
}

void check_notify(const config::NotifyConfig& n, const SectionOrigin& origin, bool security,
                  std::vector<ConfigError>& out) {
  check_command(n.master, origin, "notify_master", security, out);
  check_command(n.backup, origin, "notify_backup", security, out);
  check_command(n.fault, origin, "notify_fault", security, out);
  check_command(n.stop, origin, "notify_stop", security, out);
  check_command(n.any, origin, "notify", security, out);
}

bool group_exists(const std::string& group) {
  std::vector<char> buf(16384);
  struct group g{};
  struct group* found = nullptr;
  return getgrnam_r(group.c_str(), &g, buf.data(), buf.size(), &found) == 0 && found != nullptr;
}

}  // namespace

std::vector<ConfigError> runtime_checks(const config::Config& config) {
  std::vector<ConfigError> out;
  const bool security = config.global.enable_script_security;
  if (!user_exists(config.global.script_user)) {
    out.push_back({config.global.origin.at("script_user"), "script_user",
                   "no user " + config.global.script_user + " on this system"});
  }
  if (!config.global.control_group.empty() && !group_exists(config.global.control_group)) {
    out.push_back({config.global.origin.at("control_group"), "control_group",
                   "no group " + config.global.control_group + " on this system"});
  }
  for (const auto& s : config.scripts) {
    check_command(s.command, s.origin, "script", security, out);
    check_command(s.recover, s.origin, "recover", security, out);
    if (!user_exists(s.user)) {
      out.push_back({s.origin.at("user"), "user", "no user " + s.user + " on this system"});
    }
  }
  for (const auto& i : config.instances) check_notify(i.notify, i.origin, security, out);
  for (const auto& g : config.sync_groups) check_notify(g.notify, g.origin, security, out);
  return out;
}

}  // namespace floatd::daemon
