// Section headers, unknown keys, repeated keys and [global] (the parse pass, config/build.hpp).
#include <doctest/doctest.h>
#include <unistd.h>

#include "config_test_util.hpp"

using namespace floatd;
using namespace floatd::config;
using namespace floatd::config::test;

TEST_SUITE_BEGIN("config");

TEST_CASE("[global] defaults") {
  const Config config = parse_ok("");
  char host[256] = {};
  REQUIRE(gethostname(host, sizeof host - 1) == 0);
  CHECK(config.global.router_id == host);
  CHECK(config.global.vrrp_version == Version::kV3);
  CHECK(config.global.script_user.empty());
  CHECK(config.global.enable_script_security == false);
  CHECK(config.global.notify_timeout == Centiseconds{3000});
  CHECK(config.global.control_socket == "/run/floatd/floatd.sock");
  CHECK(config.global.control_group.empty());  // root-only
  CHECK(config.global.pid_file == "/run/floatd/floatd.pid");
  CHECK(config.global.vrrp_rt_priority == 0);  // not real-time
  CHECK(config.global.max_running_scripts == 32);
  CHECK_FALSE(config.global.vrrp_no_swap);
}

TEST_CASE("[global] keys") {
  const Config config = parse_ok(
      "[global]\nrouter_id = lb-a\nvrrp_version = 2\nscript_user = floatd-script\n"
      "enable_script_security = yes\nnotify_timeout = 2.5\ncontrol_socket = /run/f.sock\n"
      "control_group = adm\npid_file = /run/f.pid\nvrrp_rt_priority = 40\nvrrp_no_swap = yes\n"
      "max_running_scripts = 4\n");
  CHECK(config.global.router_id == "lb-a");
  CHECK(config.global.vrrp_version == Version::kV2);
  CHECK(config.global.script_user == "floatd-script");
  CHECK(config.global.enable_script_security);
  CHECK(config.global.notify_timeout == Centiseconds{250});
  CHECK(config.global.control_socket == "/run/f.sock");
  CHECK(config.global.control_group == "adm");
  CHECK(config.global.pid_file == "/run/f.pid");
  CHECK(config.global.vrrp_rt_priority == 40);
  CHECK(config.global.vrrp_no_swap);
  CHECK(config.global.max_running_scripts == 4);
}

TEST_CASE("[global] values are checked") {
  CHECK(one_error("[global]\nrouter_id = lb a\n") ==
        "t.conf:2: router_id: \"lb a\" is not a router id (one word, e.g. lb-a)");
  CHECK(one_error("[global]\nvrrp_version = 4\n") ==
        "t.conf:2: vrrp_version: \"4\" is not a VRRP version (2 or 3)");
  CHECK(contains(one_error("[global]\nscript_user = a:b\n"), "script_user: \"a:b\" is not a user"));
  CHECK(one_error("[global]\ncontrol_group = a:b\n") == "t.conf:2: control_group: \"a:b\" is not a group name");
  CHECK(contains(one_error("[global]\nenable_script_security = sure\n"), "not a boolean"));
  CHECK(contains(one_error("[global]\npid_file = floatd.pid\n"), "not an absolute path"));
  CHECK(one_error("[global]\nnotify_timeout = 0.5\n") ==
        "t.conf:2: notify_timeout: 0.5 is below 1 (1..3600 seconds in steps of 0.01)");
  CHECK(one_error("[global]\nnotify_timeout = 3600.01\n") ==
        "t.conf:2: notify_timeout: 3600.01 is above 3600 (1..3600 seconds in steps of 0.01)");
  CHECK(contains(one_error("[global]\nnotify_timeout = 30s\n"),
                 "notify_timeout: \"30s\" is not a number of seconds"));
  CHECK(one_error("[global]\ncontrol_socket = /" + std::string(107, 's') + "\n") ==
        "t.conf:2: control_socket: path is 108 characters; a unix socket path has at most 107");
  CHECK(contains(one_error("[global]\nvrrp_rt_priority = 100\n"),
                 "t.conf:2: vrrp_rt_priority: 100 is above 99 (0 (off) or a SCHED_RR priority 1..99)"));
  CHECK(contains(one_error("[global]\nvrrp_rt_priority = -1\n"), "vrrp_rt_priority: -1 is below 0"));
  CHECK(contains(one_error("[global]\nvrrp_no_swap = maybe\n"), "vrrp_no_swap: \"maybe\" is not"));
  CHECK(one_error("[global]\nmax_running_scripts = 0\n") ==
        "t.conf:2: max_running_scripts: 0 is below 1 (1..4096 scripts at once)");
  CHECK(contains(one_error("[global]\nmax_running_scripts = 5000\n"), "5000 is above 4096"));
}

TEST_CASE("[global] may appear twice; its keys merge but do not repeat") {
  const Config config = parse_ok("[global]\nrouter_id = a\n[global]\npid_file = /p\n");
  CHECK(config.global.router_id == "a");
  CHECK(config.global.pid_file == "/p");
  CHECK(one_error("[global]\nrouter_id = a\n\n[global]\nrouter_id = b\n") ==
        "t.conf:5: router_id: set twice; first set at line 2 (only lists such as "
        "virtual_ipaddress repeat)");
}

TEST_CASE("a scalar key set twice names the first line") {
  CHECK(instance_error("priority = 1\n# x\npriority = 2\n") ==
        "t.conf:7: priority: set twice; first set at line 5 (only lists such as "
        "virtual_ipaddress repeat)");
}

TEST_CASE("unknown keys are errors that list what is accepted") {
  const auto error = one_error("[global]\nrouterid = x\n");
  CHECK(error ==
        "t.conf:2: routerid: unknown key in [global] (accepted: router_id, vrrp_version, "
        "script_user, enable_script_security, notify_timeout, max_running_scripts, control_socket, "
        "control_group, "
        "pid_file, vrrp_rt_priority, vrrp_no_swap)");
  CHECK(contains(instance_error("nopreempt = yes\n"),
                 "t.conf:5: nopreempt: unknown key in [instance web]; did you mean preempt = no?"));
  CHECK(contains(one_error("[script s]\nscript = /x\nfile = /y\n"),
                 "t.conf:3: file: unknown key in [script s]"));
}

TEST_CASE("unknown section kinds are errors, and their keys are not reported again") {
  CHECK(one_error("[vrrp_instance web]\npriority = 5\nfoo = bar\n") ==
        "t.conf:1: [vrrp_instance web]: unknown section \"vrrp_instance\"; keepalived's "
        "vrrp_instance is [instance NAME] (accepted: [global], [instance NAME], [script NAME], "
        "[track_file NAME], [sync_group NAME])");
  CHECK(contains(one_error("[]\n"), "t.conf:1: []: empty section header"));
}

TEST_CASE("section names: one, valid, and not for [global]") {
  CHECK(one_error("[global x]\n") == "t.conf:1: [global x]: [global] takes no name");
  CHECK(one_error("[instance]\n") ==
        "t.conf:1: [instance]: expected [instance NAME] with one name");
  CHECK(one_error("[script a b]\nscript = /x\n") ==
        "t.conf:1: [script a b]: expected [script NAME] with one name");
  CHECK(one_error("[track_file a/b]\nfile = /x\n") ==
        "t.conf:1: [track_file a/b]: \"a/b\" is not a valid name (letters, digits, '_', '.', "
        "'-') in [track_file NAME]");
}

TEST_CASE("a name defined twice is an error naming the first place") {
  const std::string text = std::string(kInstance) + "\n" + std::string(kInstance);
  CHECK(one_error(text) ==
        "t.conf:6: [instance web]: already defined at line 1; each name is defined once");
  // One name may serve different kinds.
  parse_ok("[script web]\nscript = /x\n[track_file web]\nfile = /y\n");
}

TEST_CASE("sections of each kind keep their order of appearance") {
  const Config config = parse_ok(
      "[script b]\nscript = /b\n[script a]\nscript = /a\n[track_file z]\nfile = /z\n"
      "[track_file y]\nfile = /y\n");
  REQUIRE(config.scripts.size() == 2);
  CHECK(config.scripts[0].name == "b");
  CHECK(config.scripts[1].name == "a");
  CHECK(config.track_files[0].name == "z");
  CHECK(config.find_script("a") == &config.scripts[1]);
  CHECK(config.find_script("c") == nullptr);
}

TEST_SUITE_END();

TEST_CASE("forget_locations: a running instance keeps the configuration, not its lines") {
  const Config config = parse_ok(
      "[instance web]\ninterface = eth0\nvirtual_router_id = 51\n"
      "virtual_ipaddress = 10.0.0.1/24\nunicast_peer = 10.0.0.3\n");
  InstanceConfig stripped = config.instances.at(0);
  REQUIRE(stripped.origin.has("interface"));
  forget_locations(stripped);
  CHECK_FALSE(stripped.origin.has("interface"));
  CHECK(stripped.origin.section.line == 0);
  CHECK(stripped.vips.at(0).origin.loc.file.empty());
  CHECK(stripped.unicast_peers.at(0).origin.loc.line == 0);
  CHECK(stripped == config.instances.at(0));  // the same configuration
  CHECK(stripped.vips.at(0).prefix == config.instances.at(0).vips.at(0).prefix);
}
