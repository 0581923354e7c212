// runtime_checks: what the running system must confirm about a config, and the script users it
// resolves once at load so that the event loop never asks NSS (issue 10, defects 4 and 10).
#include "daemon/runtime_checks.hpp"

#include <doctest/doctest.h>
#include <pwd.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "config/config.hpp"

using floatd::daemon::runtime_checks;
using floatd::daemon::ScriptUsers;

namespace {

floatd::config::Config parse(const std::string& text) {
  auto c = floatd::config::parse_string(text, "t.conf");
  REQUIRE(c.ok());
  return *c;
}

std::vector<std::string> errors(const std::string& text, ScriptUsers* users = nullptr) {
  std::vector<std::string> out;
  for (const auto& e : runtime_checks(parse(text), users)) out.push_back(e.to_string());
  return out;
}

const std::string kTracked =
    "[instance web]\ninterface = eth0\nvirtual_router_id = 51\n"
    "virtual_ipaddress = 10.0.0.100/24\ntrack_script = chk\n";

bool preferred_user_exists() { return getpwnam("floatd-script") != nullptr; }

}  // namespace

TEST_CASE("runtime checks: a shell line run as root is refused under script security") {
  if (geteuid() != 0) return;
  const auto e = errors("[global]\nenable_script_security = yes\nscript_user = root\n"
                        "[script chk]\nscript = /usr/bin/true && /bin/false\n" + kTracked);
  REQUIRE(e.size() == 1);
  CHECK(e[0].rfind("t.conf:5: script: '/usr/bin/true && /bin/false' needs /bin/sh", 0) == 0);
  // The same line as another user: /bin/sh and the first word are checked, as before.
  CHECK(errors("[global]\nenable_script_security = yes\nscript_user = nobody\n"
               "[script chk]\nscript = /usr/bin/true && /bin/false\n" + kTracked)
            .empty());
}

TEST_CASE("runtime checks: an unknown user is a config error at its key") {
  const auto e = errors("[script chk]\nscript = /bin/true\nuser = no-such-user-floatd\n" + kTracked);
  REQUIRE(e.size() == 1);
  CHECK(e[0] == "t.conf:3: user: user 'no-such-user-floatd' does not exist");
  const auto g = errors("[global]\nscript_user = no-such-user-floatd\n");
  REQUIRE(g.size() == 1);
  CHECK(g[0] == "t.conf:2: script_user: user 'no-such-user-floatd' does not exist");
}

TEST_CASE("runtime checks: users are resolved once, at load") {
  if (geteuid() != 0) return;
  ScriptUsers users;
  CHECK(errors("[global]\nscript_user = nobody\n[script chk]\nscript = /bin/true\n" + kTracked,
               &users)
            .empty());
  const auto nobody = users.run_as("nobody");
  CHECK(nobody.identity.change);
  CHECK(nobody.identity.uid == 65534);
  CHECK(nobody.identity.name == "nobody");
  CHECK_FALSE(nobody.script_security);
  CHECK(users.warnings.empty());
}

TEST_CASE("runtime checks: no script_user: floatd-script if it exists, else root and a warning") {
  if (geteuid() != 0) return;
  ScriptUsers users;
  CHECK(errors("[script chk]\nscript = /bin/true\n" + kTracked, &users).empty());
  const auto run_as = users.run_as("");
  if (preferred_user_exists()) {
    CHECK(run_as.identity.name == "floatd-script");
    CHECK(users.warnings.empty());
  } else {
    CHECK(run_as.identity.root());
    REQUIRE(users.warnings.size() == 1);
    CHECK(users.warnings[0].find("run as root") != std::string::npos);
  }
  ScriptUsers none;  // nothing runs as the default: nothing to warn about
  CHECK(errors(kTracked.substr(0, kTracked.find("track_script")), &none).empty());
  CHECK(none.warnings.empty());
}
