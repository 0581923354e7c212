// Config checks that need the running system, run after validation by `floatd -t`, at start
// and at every reload: command lines of scripts and notify commands parse, the users they run
// as exist, and with enable_script_security no program is changeable by a non-root user and no
// shell line runs as root. Errors point at the key that named the command: FILE:LINE: key:
// reason.
//
// The same pass resolves every user that runs a script or notify command (NSS: getpwnam_r,
// getgrouplist) into a ScriptUsers table, so the event loop never asks NSS: sssd or LDAP can
// hang for seconds exactly when the network is in trouble and floatd must keep advertising.
// With no script_user, scripts run as kPreferredScriptUser when it exists, else as root with a
// warning (keepalived does the same with keepalived_script).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "track/spawn.hpp"
#include "vrrp/heartbeat_seal.hpp"

namespace floatd::daemon {

inline constexpr std::string_view kPreferredScriptUser = "floatd-script";

struct ScriptUsers {
  std::map<std::string, track::RunAs> by_user;  // "" is the default (no script_user)
  std::vector<std::string> warnings;            // to log at start and reload

  // How a script configured with `user` ("" = the default) runs; the default when unknown.
  track::RunAs run_as(const std::string& user) const;
};

// Every `heartbeat_key` file, read and checked at load like the scripts (root-only, long
// enough), as the HMAC its paths use: file name -> HMAC-SHA256 with its secret.
using PathKeys = std::map<std::string, std::shared_ptr<const vrrp::Hmac>>;

// `users`, when given, receives the resolved identities, and `keys` the heartbeat keys
// (complete only when no error).
std::vector<config::ConfigError> runtime_checks(const config::Config& config,
                                                ScriptUsers* users = nullptr,
                                                PathKeys* keys = nullptr);

}  // namespace floatd::daemon
