// floatd's command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "floatd/result.hpp"

namespace floatd::daemon {

inline constexpr const char* kDefaultConfig = "/etc/floatd/floatd.conf";

struct Options {
  std::string config = kDefaultConfig;
  bool log_console = false;  // -l: log to stderr instead of syslog
  bool debug = false;        // -D: debug lines too
  bool test_config = false;  // -t: check the config, print errors, exit
  bool dump_config = false;  // --dump-config: print the normalised config, exit
  bool config_only = false;  // --config-only: with -t, skip the checks of this host (users, scripts)
  bool help = false;
  bool version = false;
  std::optional<std::string> pid_file;        // overrides [global] pid_file
  std::optional<std::string> control_socket;  // overrides [global] control_socket
};

Result<Options> parse_options(const std::vector<std::string>& args);
std::string usage();

}  // namespace floatd::daemon
