#include "daemon/runtime_checks.hpp"

#include <span>

#include "daemon/heartbeat_key.hpp"
#include "net/hmac_sha256.hpp"

#include <grp.h>
#include <unistd.h>

#include <vector>

#include "track/command.hpp"
#include "track/script_security.hpp"

namespace floatd::daemon {
namespace {

using config::ConfigError;
using config::SectionOrigin;

// Resolves each user once per check; remembers the failures so each is reported at its key.
class Resolver {
 public:
  explicit Resolver(bool security) : security_(security) {}

  // The identity `user` ("" = the default) runs as, or the reason it cannot.
  Result<track::RunAs> get(const std::string& user) {
    if (auto it = users_.by_user.find(user); it != users_.by_user.end()) return it->second;
    if (auto it = errors_.find(user); it != errors_.end()) return fail(it->second);
    auto id = user.empty() ? default_identity() : track::resolve_identity(user);
    if (!id) {
      errors_[user] = id.error();
      return fail(id.error());
    }
    const track::RunAs run_as{std::move(*id), security_};
    users_.by_user[user] = run_as;
    return run_as;
  }

  ScriptUsers take() { return std::move(users_); }
  bool security() const { return security_; }

 private:
  Result<track::Identity> default_identity() {
    if (geteuid() != 0) return track::Identity{};  // not root: scripts run as floatd's user
    const std::string preferred(kPreferredScriptUser);
    auto id = track::resolve_identity(preferred);
    if (id) return id;
    users_.warnings.push_back("scripts and notify commands run as root: no script_user is set "
                              "and there is no user " + preferred + " (create it, or set "
                              "[global] script_user)");
    return track::Identity{};
  }

  bool security_;
  ScriptUsers users_;
  std::map<std::string, std::string> errors_;
};

void check_command(const std::string& line, const SectionOrigin& origin, const std::string& key,
                   const std::string& user, Resolver& resolver, std::vector<ConfigError>& out) {
  if (line.empty()) return;
  auto cmd = track::parse_command(line);
  if (!cmd) {
    out.push_back({origin.at(key), key, cmd.error()});
    return;
  }
  if (!resolver.security()) return;
  auto run_as = resolver.get(user);  // an unknown user is reported at its key; check the files
  const bool as_root = run_as && run_as->identity.root();
  if (auto ok = track::check_script_security(*cmd, as_root); !ok) {
    out.push_back({origin.at(key), key, ok.error() + " (enable_script_security refuses it)"});
  }
}

void check_notify(const config::NotifyConfig& n, const SectionOrigin& origin,
                  const std::string& user, Resolver& resolver, std::vector<ConfigError>& out) {
  check_command(n.master, origin, "notify_master", user, resolver, out);
  check_command(n.backup, origin, "notify_backup", user, resolver, out);
  check_command(n.fault, origin, "notify_fault", user, resolver, out);
  check_command(n.stop, origin, "notify_stop", user, resolver, out);
  check_command(n.any, origin, "notify", user, resolver, out);
  check_command(n.master_rx_lower_pri, origin, "notify_master_rx_lower_pri", user, resolver, out);
}

bool group_exists(const std::string& group) {
  std::vector<char> buf(16384);
  struct group g{};
  struct group* found = nullptr;
  return getgrnam_r(group.c_str(), &g, buf.data(), buf.size(), &found) == 0 && found != nullptr;
}

// heartbeat_key: one read per file, however many instances name it.
void check_keys(const config::Config& config, PathKeys& keys, std::vector<ConfigError>& out) {
  std::map<std::string, std::string> refused;  // file -> reason, said once per instance
  for (const auto& i : config.instances) {
    const std::string& file = i.heartbeat_key;
    if (file.empty()) continue;
    if (keys.count(file) == 0 && refused.count(file) == 0) {
      auto secret = read_heartbeat_key(file);
      if (secret) {
        auto bytes =
            std::span(reinterpret_cast<const std::uint8_t*>(secret->data()), secret->size());
        if (auto hmac = net::HmacSha256::create(bytes)) {
          keys[file] = std::move(*hmac);
        } else {
          refused[file] = hmac.error();
        }
      } else {
        refused[file] = secret.error();
      }
    }
    if (auto it = refused.find(file); it != refused.end()) {
      out.push_back({i.origin.at("heartbeat_key"), "heartbeat_key", it->second});
    }
  }
}

}  // namespace

track::RunAs ScriptUsers::run_as(const std::string& user) const {
  if (auto it = by_user.find(user); it != by_user.end()) return it->second;
  if (auto it = by_user.find(""); it != by_user.end()) return it->second;
  return {};
}

std::vector<ConfigError> runtime_checks(const config::Config& config, ScriptUsers* users,
                                        PathKeys* keys) {
  std::vector<ConfigError> out;
  Resolver resolver(config.global.enable_script_security);
  const std::string& global_user = config.global.script_user;
  if (global_user.empty()) {
    // the default: resolved (and warned about) only if something runs as it
  } else if (auto r = resolver.get(global_user); !r) {
    out.push_back({config.global.origin.at("script_user"), "script_user", r.error()});
  }
  if (!config.global.control_group.empty() && !group_exists(config.global.control_group)) {
    out.push_back({config.global.origin.at("control_group"), "control_group",
                   "no group " + config.global.control_group + " on this system"});
  }
  for (const auto& s : config.scripts) {
    if (auto r = resolver.get(s.user); !r && s.user != global_user) {
      out.push_back({s.origin.at("user"), "user", r.error()});
    }
    check_command(s.command, s.origin, "script", s.user, resolver, out);
    check_command(s.recover, s.origin, "recover", s.user, resolver, out);
  }
  for (const auto& i : config.instances) check_notify(i.notify, i.origin, global_user, resolver, out);
  for (const auto& g : config.sync_groups) check_notify(g.notify, g.origin, global_user, resolver, out);
  PathKeys loaded;
  check_keys(config, loaded, out);
  if (users != nullptr) *users = resolver.take();
  if (keys != nullptr) *keys = std::move(loaded);
  return out;
}

}  // namespace floatd::daemon
