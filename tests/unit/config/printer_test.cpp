// The canonical printer, and print -> parse round trips.
#include <doctest/doctest.h>

#include "config_test_util.hpp"

using namespace floatd::config;
using namespace floatd::config::test;

namespace {

// Uses every key of every section, most of them away from their defaults.
constexpr std::string_view kRich = R"(
[global]
router_id = lb-a
vrrp_version = 2
script_user = floatd-script
enable_script_security = yes
notify_timeout = 12.5
max_running_scripts = 8
control_socket = /run/f/f.sock
pid_file = /run/f/f.pid
vrrp_rt_priority = 40
vrrp_no_swap = yes

[script chk_web]
script = /usr/lib/floatd/check_http http://127.0.0.1:8080/
interval = 2.5
timeout = 1.25
fall = 2
rise = 3
weight = -60
user = nobody
init_fail = yes
recover = /usr/lib/floatd/restart_web --hard
recover_attempts = 4

[script chk_plain]
script = /usr/lib/floatd/check_plain

[track_file maint]
file = /run/floatd/maint
weight = -100

[instance web]
interface = eth0
virtual_router_id = 51
priority = 150
advert_int = 2
state = MASTER
preempt_delay = 30
virtual_ipaddress = 10.0.0.100/24
virtual_ipaddress = 10.0.0.101/24 dev eth1 label eth1:web
unicast_src_ip = 10.0.0.2
unicast_peer = 10.0.0.3
unicast_peer = 10.0.0.4
use_vmac = yes
garp_master_delay = 0.5
garp_master_repeat = 2
garp_master_refresh = 60
auth_type = PASS
auth_pass = secret
track_interface = eth1 weight -50
track_interface = eth2
track_script = chk_web
track_file = maint weight -20
notify_master = /usr/local/bin/notify master
notify_backup = /usr/local/bin/notify backup
notify_fault = /usr/local/bin/notify fault
notify_stop = /usr/local/bin/notify stop
notify = /usr/local/bin/notify-all

[instance v6]
interface = eth0
virtual_router_id = 51
version = 3
advert_int = 0.05
preempt = no
virtual_ipaddress = 2001:db8::100/64
virtual_ipaddress = fe80::100/64
use_vmac = vmac-v6
v3_checksum_as_v2 = no

[sync_group pair]
group = web
group = v6
notify_master = /usr/local/bin/group-notify master
notify_backup = /usr/local/bin/group-notify backup
notify_fault = /usr/local/bin/group-notify fault
notify = /usr/local/bin/group-notify-all
)";

}  // namespace

TEST_SUITE_BEGIN("config");

TEST_CASE("print fills in every default") {
  CHECK(print(parse_ok("[global]\nrouter_id = n1\n" + std::string(kInstance))) ==
        "[global]\n"
        "router_id = n1\n"
        "vrrp_version = 3\n"
        "enable_script_security = no\n"
        "notify_timeout = 30\n"
        "control_socket = /run/floatd/floatd.sock\n"
        "pid_file = /run/floatd/floatd.pid\n"
        "\n"
        "[instance web]\n"
        "interface = eth0\n"
        "virtual_router_id = 51\n"
        "priority = 100\n"
        "advert_int = 1\n"
        "version = 3\n"
        "state = BACKUP\n"
        "preempt = yes\n"
        "preempt_delay = 0\n"
        "accept = yes\n"
        "virtual_ipaddress = 10.0.0.100/24\n"
        "use_vmac = no\n"
        "v3_checksum_as_v2 = no\n"
        "v2_compat = no\n"
        "garp_master_delay = 5\n"
        "garp_master_repeat = 5\n"
        "garp_master_refresh = 0\n");
}

TEST_CASE("print writes resolved values: weights, timeout, user, VMAC name, version") {
  const auto text = print(parse_ok(kRich));
  CHECK(contains(text, "\ntrack_script = chk_web weight -60\n"));
  CHECK(contains(text, "\ntrack_interface = eth2 weight 0\n"));
  CHECK(contains(text, "\nuse_vmac = vrrp.51\n"));
  CHECK(contains(text, "\nversion = 2\n"));
  CHECK(contains(text, "\nauth_type = PASS\nauth_pass = secret\n"));
  CHECK(contains(text, "\ngroup = web v6\n"));
  CHECK(contains(text, "\ninterval = 2.5\ntimeout = 1.25\n"));
  CHECK(contains(text, "\nnotify_timeout = 12.5\n"));
}

TEST_CASE("print writes recover and its attempts only for a script that has recover") {
  const auto text = print(parse_ok(kRich));
  CHECK(contains(text,
                 "\ninit_fail = yes\nrecover = /usr/lib/floatd/restart_web --hard\n"
                 "recover_attempts = 4\n"));
  CHECK(print(parse_ok("[script s]\nscript = /s\nrecover = /r\n"))
            .ends_with("\nrecover = /r\nrecover_attempts = 1\n"));
  const auto plain = print(parse_ok("[script s]\nscript = /s\n"));
  CHECK_FALSE(contains(plain, "recover"));
}

TEST_CASE("print writes a sync group's notify commands after its members, no notify_stop") {
  const auto text = print(parse_ok(kRich));
  CHECK(contains(text,
                 "[sync_group pair]\ngroup = web v6\n"
                 "notify_master = /usr/local/bin/group-notify master\n"
                 "notify_backup = /usr/local/bin/group-notify backup\n"
                 "notify_fault = /usr/local/bin/group-notify fault\n"
                 "notify = /usr/local/bin/group-notify-all\n"));
  CHECK(text.ends_with("notify = /usr/local/bin/group-notify-all\n"));
}

TEST_CASE("print -> parse gives an equal config, and printing again the same text") {
  for (auto text : {kRich, kInstance, std::string_view("[global]\nrouter_id = x\n")}) {
    const Config original = parse_ok(text);
    const std::string printed = print(original);
    const Config again = parse_ok(printed);
    CHECK(again == original);
    CHECK(print(again) == printed);
  }
}

TEST_CASE("config equality ignores where things were written, not what") {
  const Config a = parse_ok(std::string(kInstance));
  const Config b = parse_ok("\n\n# moved down\n" + std::string(kInstance));
  CHECK(a.instances[0].origin.section.line != b.instances[0].origin.section.line);
  CHECK(a == b);
  const Config c = parse_ok(std::string(kInstance) + "priority = 101\n");
  CHECK_FALSE(a == c);
}

TEST_CASE("a defaulted script timeout round-trips even when the interval changes it") {
  const Config config = parse_ok("[script s]\nscript = /s\ninterval = 3\n");
  CHECK(config.scripts[0].timeout == floatd::Centiseconds{300});
  CHECK(parse_ok(print(config)) == config);
}

TEST_SUITE_END();
