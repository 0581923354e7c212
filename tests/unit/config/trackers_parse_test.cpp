// [script NAME], [track_file NAME], [sync_group NAME]: keys and defaults (parse pass).
#include <doctest/doctest.h>

#include "config_test_util.hpp"

using namespace floatd;
using namespace floatd::config;
using namespace floatd::config::test;

namespace {

// Instances web and db in [sync_group pair], whose `group` line is line 10.
std::string pair_group() {
  return std::string(kInstance) +
         "[instance db]\ninterface = eth0\nvirtual_router_id = 52\nvirtual_ipaddress = 10.0.0.2\n"
         "[sync_group pair]\ngroup = web db\n";
}

}  // namespace

TEST_SUITE_BEGIN("config");

TEST_CASE("script defaults: timeout = interval, user = [global] script_user") {
  const Config config = parse_ok(
      "[global]\nscript_user = floatd-script\n[script chk]\nscript = /bin/chk --port 80\n"
      "interval = 2\n");
  const auto& s = config.scripts.at(0);
  CHECK(s.name == "chk");
  CHECK(s.command == "/bin/chk --port 80");
  CHECK(s.interval == Centiseconds{200});
  CHECK(s.timeout == Centiseconds{200});
  CHECK(s.fall == 1);
  CHECK(s.rise == 1);
  CHECK(s.weight == 0);
  CHECK(s.user == "floatd-script");
  CHECK_FALSE(s.init_fail);
  CHECK(s.recover.empty());
  CHECK(s.recover_attempts == 1);
  CHECK(parse_ok("[script c]\nscript = /c\n").scripts[0].interval == Centiseconds{100});
}

TEST_CASE("script keys") {
  const auto s =
      parse_ok(
          "[script chk]\nscript = /bin/chk\ninterval = 0.5\ntimeout = 0.25\nfall = 2\nrise = 3\n"
          "weight = -60\nuser = nobody\ninit_fail = yes\nrecover = /bin/fix --restart web\n"
          "recover_attempts = 3\n")
          .scripts.at(0);
  CHECK(s.interval == Centiseconds{50});
  CHECK(s.timeout == Centiseconds{25});
  CHECK(s.fall == 2);
  CHECK(s.rise == 3);
  CHECK(s.weight == -60);
  CHECK(s.user == "nobody");
  CHECK(s.init_fail);
  CHECK(s.recover == "/bin/fix --restart web");
  CHECK(s.recover_attempts == 3);
}

TEST_CASE("script value errors") {
  const std::string head = "[script chk]\nscript = /bin/chk\n";
  CHECK(one_error(head + "interval = 0.05\n") ==
        "t.conf:3: interval: 0.05 is below 0.1 (0.1..3600 seconds in steps of 0.01)");
  CHECK(contains(one_error(head + "timeout = 3601\n"), "timeout: 3601 is above 3600"));
  CHECK(one_error(head + "fall = 0\n") == "t.conf:3: fall: 0 is below 1 (1..255 failures)");
  CHECK(one_error(head + "rise = 256\n") == "t.conf:3: rise: 256 is above 255 (1..255 successes)");
  CHECK(contains(one_error(head + "weight = 300\n"), "weight: 300 is above 253"));
  CHECK(contains(one_error(head + "user = a b\n"), "user: \"a b\" is not a user name"));
  CHECK(contains(one_error(head + "init_fail = dunno\n"), "not a boolean"));
  CHECK(one_error(head + "recover = /bin/fix\nrecover_attempts = 0\n") ==
        "t.conf:4: recover_attempts: 0 is below 1 (1..10 rounds of recover then check)");
  CHECK(one_error(head + "recover = /bin/fix\nrecover_attempts = 11\n") ==
        "t.conf:4: recover_attempts: 11 is above 10 (1..10 rounds of recover then check)");
  CHECK(contains(one_error(head + "recover = /bin/fix\nrecover_attempts = two\n"),
                 "recover_attempts: \"two\" is not a whole number"));
  CHECK(one_error(head + "recover = systemctl restart nginx\n") ==
        "t.conf:3: recover: \"systemctl\" is not an absolute path; write the program's full "
        "path");
  CHECK(one_error(head + "recover =\n") ==
        "t.conf:3: recover: a command is required (an absolute path, then arguments)");
  CHECK(one_error("[script chk]\nscript = check_http\n") ==
        "t.conf:2: script: \"check_http\" is not an absolute path; write the program's full path");
}

TEST_CASE("track_file: file and weight, default weight 1") {
  const auto t = parse_ok("[track_file maint]\nfile = /run/floatd/maint\n").track_files.at(0);
  CHECK(t.name == "maint");
  CHECK(t.file == "/run/floatd/maint");
  CHECK(t.weight == 1);
  CHECK(parse_ok("[track_file m]\nfile = /m\nweight = -100\n").track_files[0].weight == -100);
  CHECK(one_error("[track_file m]\nfile = run/m\n") ==
        "t.conf:2: file: \"run/m\" is not an absolute path (start it with /)");
}

TEST_CASE("sync_group: names split on spaces, repeated keys append") {
  const Config config = parse_ok(
      std::string(kInstance) +
      "[instance db]\ninterface = eth0\nvirtual_router_id = 52\nvirtual_ipaddress = 10.0.0.2\n"
      "[instance dns]\ninterface = eth0\nvirtual_router_id = 53\nvirtual_ipaddress = 10.0.0.3\n"
      "[sync_group pair]\ngroup = web  db\ngroup = dns\n");
  const auto& g = config.sync_groups.at(0);
  REQUIRE(g.members.size() == 3);
  CHECK(g.members[0].name == "web");
  CHECK(g.members[1].name == "db");
  CHECK(g.members[2].name == "dns");
  CHECK(g.members[2].origin.loc.line == 15);
  CHECK(config.group_of("db") == &g);
  CHECK(config.group_of("nothing") == nullptr);
}

TEST_CASE("sync_group notify commands: master, backup, fault and the generic one") {
  const std::string two = pair_group();
  CHECK(parse_ok(two).sync_groups.at(0).notify == NotifyConfig{});
  const Config config = parse_ok(two +
                                 "notify_master = /n master\nnotify_backup = /n backup\n"
                                 "notify_fault = /n fault\nnotify = /n/all --x\n");
  const auto& n = config.sync_groups.at(0).notify;  // a reference into the named Config
  CHECK(n.master == "/n master");
  CHECK(n.backup == "/n backup");
  CHECK(n.fault == "/n fault");
  CHECK(n.any == "/n/all --x");
  CHECK(n.stop.empty());
  CHECK(one_error(two + "notify_master = notify.sh master\n") ==
        "t.conf:11: notify_master: \"notify.sh\" is not an absolute path; write the program's "
        "full path");
  CHECK(one_error(two + "notify =\n") ==
        "t.conf:11: notify: a command is required (an absolute path, then arguments)");
  CHECK(one_error(two + "notify_fault = /a\nnotify_fault = /b\n") ==
        "t.conf:12: notify_fault: set twice; first set at line 11 (only lists such as "
        "virtual_ipaddress repeat)");
}

TEST_CASE("a sync group has no notify_stop, as in keepalived") {
  const std::string two = pair_group();
  CHECK(one_error(two + "notify_stop = /n stop\n") ==
        "t.conf:11: notify_stop: unknown key in [sync_group pair] (accepted: group, "
        "notify_master, notify_backup, notify_fault, notify)");
}

TEST_CASE("sync_group names are checked") {
  CHECK(contains(one_error(std::string(kInstance) + "[sync_group g]\ngroup = web db!\n"),
                 "t.conf:6: group: \"db!\" is not a valid name"));
}

TEST_SUITE_END();
