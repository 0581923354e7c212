#include "daemon/options.hpp"

namespace floatd::daemon {

std::string usage() {
  return "usage: floatd [-f FILE] [-l] [-D] [--pid-file FILE] [--control-socket PATH]\n"
         "       floatd -t [-f FILE]           check the config, print every error, exit\n"
         "       floatd --dump-config [-f FILE] print the config with defaults filled in\n"
         "  -t also checks this host: script users exist, commands parse and, with\n"
         "     enable_script_security, no script is writable by a non-root user;\n"
         "     --config-only skips that (for a config written for another host)\n"
         "  -f, --config FILE      config file (default /etc/floatd/floatd.conf, plus\n"
         "                         every conf.d/*.conf beside it)\n"
         "  -l, --log-console      log to stderr instead of syslog\n"
         "  -D, --debug            log debug lines too\n"
         "  -v, --version          print the version\n";
}

Result<Options> parse_options(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& name) -> Result<std::string> {
      if (i + 1 >= args.size()) return fail(name + " needs a value");
      return args[++i];
    };
    if (a == "-f" || a == "--config") {
      auto v = value(a);
      if (!v) return fail(v.error());
      o.config = *v;
    } else if (a == "--pid-file") {
      auto v = value(a);
      if (!v) return fail(v.error());
      o.pid_file = *v;
    } else if (a == "--control-socket") {
      auto v = value(a);
      if (!v) return fail(v.error());
      o.control_socket = *v;
    } else if (a == "-l" || a == "--log-console") {
      o.log_console = true;
    } else if (a == "-D" || a == "--debug") {
      o.debug = true;
    } else if (a == "-t" || a == "--test") {
      o.test_config = true;
    } else if (a == "--config-only") {
      o.config_only = true;
    } else if (a == "--dump-config") {
      o.dump_config = true;
    } else if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "-v" || a == "--version") {
      o.version = true;
    } else {
      return fail("unknown option " + a);
    }
  }
  if (o.config_only && !o.test_config) return fail(std::string("--config-only goes with -t"));
  return o;
}

}  // namespace floatd::daemon
