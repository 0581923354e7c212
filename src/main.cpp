// One binary, two names: `floatd` is the daemon, `floatctl` (a symlink) the control client.
#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/floatctl.hpp"
#include "config/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/log_sink.hpp"
#include "daemon/options.hpp"
#include "daemon/runtime_checks.hpp"
#include "daemon/system_ports.hpp"

namespace {

std::string program_name(const char* argv0) {
  const std::string s = argv0 ? argv0 : "floatd";
  const auto slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

int floatd_main(const std::vector<std::string>& args) {
  using namespace floatd;  // NOLINT
  auto options = daemon::parse_options(args);
  if (!options) {
    std::cerr << "floatd: " << options.error() << "\n" << daemon::usage();
    return 2;
  }
  if (options->help) {
    std::cout << daemon::usage();
    return 0;
  }
  if (options->version) {
    std::cout << "floatd " FLOATD_VERSION "\n";
    return 0;
  }
  // Blocks of 128 kB and more get a mapping of their own, unmapped when freed. That is glibc's
  // default until a larger mapped block is freed: its threshold then rises to that size, and
  // the next replies of megabytes (status at 1,000 instances) come from the heap and stay in
  // RSS once freed. Fixed here, the threshold stays (issue 15: the soak's RSS at rest moved
  // between 15 and 20 MB with the last few replies).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  auto config = config::load(options->config);
  if (config && !options->dump_config && !options->config_only) {
    if (auto errors = daemon::runtime_checks(*config); !errors.empty()) config = fail(errors);
  }
  if (!config) {
    for (const auto& e : config.error()) std::cerr << e.to_string() << "\n";
    if (!options->test_config && !options->dump_config) {
      std::cerr << "floatd: not started: " << config.error().size() << " error(s) in the config\n";
    }
    return 1;
  }
  if (options->test_config) return 0;
  if (options->dump_config) {
    std::cout << config::print(*config);
    return 0;
  }
  auto log = daemon::make_log(options->log_console, options->debug);
  auto system = daemon::SystemPorts::open();
  if (!system) {
    log->error(system.error());
    return 1;
  }
  daemon::Daemon d(*options, std::move(*config), *log, (*system)->ports());
  return d.run();
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (program_name(argv[0]) == "floatctl") return floatd::cli::floatctl_main(args);
  return floatd_main(args);
}
