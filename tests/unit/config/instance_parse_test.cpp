// [instance NAME]: each key, each default and each value error (parse pass).
#include <doctest/doctest.h>

#include "config_test_util.hpp"

using namespace floatd;
using namespace floatd::config;
using namespace floatd::config::test;

TEST_SUITE_BEGIN("config");

TEST_CASE("instance defaults") {
  const auto in = instance_with("");
  CHECK(in.name == "web");
  CHECK(in.interface == "eth0");
  CHECK(in.vrid == 51);
  CHECK(in.priority == 100);
  CHECK(in.advert_int == Centiseconds{100});
  CHECK(in.version == Version::kV3);
  CHECK(in.initial_state == State::kBackup);
  CHECK(in.preempt);
  CHECK(in.preempt_delay == Centiseconds{0});
  CHECK(in.accept);
  CHECK_FALSE(in.unicast_src_ip);
  CHECK(in.unicast_peers.empty());
  CHECK_FALSE(in.unicast());
  CHECK(in.vmac.empty());
  CHECK_FALSE(in.v3_checksum_as_v2);
  CHECK(in.garp.delay == Centiseconds{500});
  CHECK(in.garp.repeat == 5);
  CHECK(in.garp.refresh == Centiseconds{0});
  CHECK(in.auth.type == AuthType::kNone);
  CHECK(in.track_interfaces.empty());
  CHECK(in.notify == NotifyConfig{});
}

TEST_CASE("instance scalar keys") {
  const auto in = instance_with(
      "priority = 150\nadvert_int = 0.5\nstate = MASTER\npreempt_delay = 2.5\naccept = yes\n"
      "v3_checksum_as_v2 = yes\ngarp_master_delay = 0\ngarp_master_repeat = 3\n"
      "garp_master_refresh = 60\n");
  CHECK(in.priority == 150);
  CHECK(in.advert_int == Centiseconds{50});
  CHECK(in.initial_state == State::kMaster);
  CHECK(in.preempt_delay == Centiseconds{250});
  CHECK(in.accept);
  CHECK(in.v3_checksum_as_v2);
  CHECK(in.garp.delay == Centiseconds{0});
  CHECK(in.garp.repeat == 3);
  CHECK(in.garp.refresh == Centiseconds{6000});
  CHECK(instance_with("preempt = no\n").preempt == false);
  CHECK(instance_with("state = backup\n").initial_state == State::kBackup);
}

TEST_CASE("version: the instance's key, else [global] vrrp_version") {
  CHECK(instance_with("version = 2\n").version == Version::kV2);
  const Config config = parse_ok(std::string(kInstance) + "[global]\nvrrp_version = 2\n");
  CHECK(config.instances[0].version == Version::kV2);
}

TEST_CASE("virtual addresses with dev and label") {
  const auto in = instance_with(
      "virtual_ipaddress = 10.0.0.101\n"
      "virtual_ipaddress = 10.0.0.102/32 dev eth1 label eth1:vip\n"
      "virtual_ipaddress = 10.0.0.103/24 label eth0:x dev eth0\n");
  REQUIRE(in.vips.size() == 4);
  CHECK(in.vips[0].prefix.to_string() == "10.0.0.100/24");
  CHECK(in.vips[0].origin.loc.line == 4);
  CHECK(in.vips[1].prefix.prefix_len == 32);
  CHECK(in.vips[1].dev.empty());
  CHECK(in.vips[2].dev == "eth1");
  CHECK(in.vips[2].label == "eth1:vip");
  CHECK(in.vips[2].origin.loc.line == 6);
  CHECK(in.vips[3].label == "eth0:x");
  CHECK(vip_device(in, in.vips[0]) == "eth0");
  CHECK(vip_device(in, in.vips[2]) == "eth1");
}

TEST_CASE("virtual address errors say what is accepted") {
  const std::string form = " (ADDR[/LEN] [dev IF] [label LABEL])";
  CHECK(instance_error("virtual_ipaddress = 10.0.0.300\n") ==
        "t.conf:5: virtual_ipaddress: \"10.0.0.300\" is not an address" + form);
  CHECK(instance_error("virtual_ipaddress = 10.0.0.1/33\n") ==
        "t.conf:5: virtual_ipaddress: \"10.0.0.1/33\" is not an address" + form);
  CHECK(instance_error("virtual_ipaddress = 10.0.0.1/0\n") ==
        "t.conf:5: virtual_ipaddress: 10.0.0.1/0: prefix length 0" + form);
  CHECK(instance_error("virtual_ipaddress = 10.0.0.1 brd 10.0.0.255\n") ==
        "t.conf:5: virtual_ipaddress: unknown option \"brd\"" + form);
  CHECK(instance_error("virtual_ipaddress = 10.0.0.1 dev\n") ==
        "t.conf:5: virtual_ipaddress: \"dev\" needs a value" + form);
  CHECK(contains(instance_error("virtual_ipaddress = 10.0.0.1 dev a dev b\n"), "given twice"));
  CHECK(contains(instance_error("virtual_ipaddress = 10.0.0.1 dev a/b\n"), "dev \"a/b\""));
  CHECK(contains(instance_error("virtual_ipaddress =\n"), "no address"));
}

TEST_CASE("advert_int follows the version") {
  CHECK(instance_error("advert_int = 0.005\n") ==
        "t.conf:5: advert_int: 0.005 is below 0.01 (VRRPv3 takes 0.01..40.95 in steps of 0.01)");
  CHECK(instance_error("advert_int = 41\n") ==
        "t.conf:5: advert_int: 41 is above 40.95 (VRRPv3 takes 0.01..40.95 in steps of 0.01)");
  CHECK(instance_error("advert_int = 1.234\n") ==
        "t.conf:5: advert_int: 1.234 has more than 2 decimals (VRRPv3 takes 0.01..40.95 in "
        "steps of 0.01)");
  CHECK(instance_with("advert_int = 40.95\n").advert_int == Centiseconds{4095});
  CHECK(instance_with("advert_int = 0.01\n").advert_int == Centiseconds{1});
  // VRRPv2, also when `version` comes after advert_int.
  CHECK(instance_error("advert_int = 0.5\nversion = 2\n") ==
        "t.conf:5: advert_int: 0.5 is below 1 (VRRPv2 takes whole seconds 1..255)");
  CHECK(instance_error("version = 2\nadvert_int = 1.5\n") ==
        "t.conf:6: advert_int: 1.5 is not a whole number of seconds (VRRPv2 takes whole "
        "seconds 1..255)");
  CHECK(contains(instance_error("version = 2\nadvert_int = 256\n"), "256 is above 255"));
  CHECK(instance_with("version = 2\nadvert_int = 255\n").advert_int == Centiseconds{25500});
}

TEST_CASE("instance value errors") {
  CHECK(one_error("[instance web]\ninterface = eth0\nvirtual_router_id = 0\n"
                  "virtual_ipaddress = 10.0.0.1\n") ==
        "t.conf:3: virtual_router_id: 0 is below 1 (1..255, unique per interface and address "
        "family)");
  CHECK(instance_error("priority = 0\n") ==
        "t.conf:5: priority: 0 is below 1 (1..255, default 100; 255 = address owner)");
  CHECK(contains(instance_error("priority = 256\n"), "256 is above 255"));
  CHECK(instance_error("version = 1\n") ==
        "t.conf:5: version: \"1\" is not a VRRP version (2 or 3)");
  CHECK(instance_error("state = FAULT\n") ==
        "t.conf:5: state: \"FAULT\" is not a start state (BACKUP or MASTER)");
  CHECK(contains(instance_error("preempt = maybe\n"), "preempt: \"maybe\" is not a boolean"));
  CHECK(contains(instance_error("accept = 2\n"), "accept: \"2\" is not a boolean"));
  CHECK(instance_error("preempt_delay = 1001\n") ==
        "t.conf:5: preempt_delay: 1001 is above 1000 (0..1000 seconds in steps of 0.01)");
  CHECK(contains(instance_error("garp_master_delay = -1\n"),
                 "garp_master_delay: \"-1\" is not a number"));
  CHECK(instance_error("garp_master_repeat = 0\n") ==
        "t.conf:5: garp_master_repeat: 0 is below 1 (1..255 messages per burst)");
  CHECK(instance_error("garp_master_refresh = 0.5\n") ==
        "t.conf:5: garp_master_refresh: 0.5 is below 1 (0 = off, or 1..86400 seconds in steps "
        "of 0.01)");
  CHECK(contains(instance_error("v3_checksum_as_v2 = perhaps\n"), "not a boolean"));
  CHECK(contains(instance_error("notify_master = notify.sh master\n"),
                 "notify_master: \"notify.sh\" is not an absolute path"));
}

TEST_CASE("notify commands, one key per transition") {
  const auto in = instance_with(
      "notify_master = /n master\nnotify_backup = /n backup\nnotify_fault = /n fault\n"
      "notify_stop = /n stop\nnotify = /n/all --x\n");
  CHECK(in.notify.master == "/n master");
  CHECK(in.notify.backup == "/n backup");
  CHECK(in.notify.fault == "/n fault");
  CHECK(in.notify.stop == "/n stop");
  CHECK(in.notify.any == "/n/all --x");
  CHECK(instance_error("notify =\n") ==
        "t.conf:5: notify: a command is required (an absolute path, then arguments)");
}

TEST_CASE("interface names are checked") {
  CHECK(one_error("[instance web]\ninterface = eth0.with.long.name\nvirtual_router_id = 1\n"
                  "virtual_ipaddress = 10.0.0.1\n") ==
        "t.conf:2: interface: \"eth0.with.long.name\" is 19 characters; Linux interface names "
        "have at most 15");
}

TEST_CASE("unicast source and peers") {
  const auto in = instance_with(
      "unicast_src_ip = 10.0.0.2\nunicast_peer = 10.0.0.3\nunicast_peer = 10.0.0.4\n");
  CHECK(in.unicast_src_ip == IpAddress::parse("10.0.0.2"));
  REQUIRE(in.unicast_peers.size() == 2);
  CHECK(in.unicast_peers[1].address == *IpAddress::parse("10.0.0.4"));
  CHECK(in.unicast_peers[1].origin.loc.line == 7);
  CHECK(in.unicast());
  CHECK(instance_with("unicast_peer = 10.0.0.3\n").unicast());  // source: the interface's
  CHECK(instance_error("unicast_peer = 10.0.0.3 10.0.0.4\n") ==
        "t.conf:5: unicast_peer: \"10.0.0.3 10.0.0.4\" is not an IPv4 or IPv6 address (one "
        "per line)");
  CHECK(contains(instance_error("unicast_src_ip = lb-b\n"), "unicast_src_ip: \"lb-b\" is not"));
}

TEST_CASE("use_vmac: yes names it by VRID and family, or a name of its own") {
  CHECK(instance_with("use_vmac = yes\n").vmac == "vrrp.51");
  CHECK(instance_with("use_vmac = no\n").vmac.empty());
  CHECK(instance_with("use_vmac = vrrp-web\n").vmac == "vrrp-web");
  const auto v6 = parse_ok(
      "[instance v6]\ninterface = eth0\nvirtual_router_id = 7\n"
      "virtual_ipaddress = 2001:db8::1/64\nuse_vmac = on\n");
  CHECK(v6.instances[0].vmac == "vrrp6.7");
  CHECK(instance_error("use_vmac = a-very-long-vmac-name\n") ==
        "t.conf:5: use_vmac: \"a-very-long-vmac-name\" is 21 characters; Linux interface names "
        "have at most 15 (use_vmac takes yes, no or an interface name)");
}

TEST_CASE("authentication keys") {
  const auto in =
      instance_with("version = 2\nadvert_int = 1\nauth_type = PASS\nauth_pass = s3cret\n");
  CHECK(in.auth.type == AuthType::kPass);
  CHECK(in.auth.pass == "s3cret");
  CHECK(instance_with("auth_type = NONE\n").auth.type == AuthType::kNone);
  CHECK(instance_error("version = 2\nauth_type = AH\n") ==
        "t.conf:6: auth_type: AH is not supported (PASS or NONE; VRRPv2 only)");
  CHECK(contains(instance_error("version = 2\nauth_type = PASS\nauth_pass = 123456789\n"),
                 "t.conf:7: auth_pass: a password is 1..8 printable characters"));
}

TEST_CASE("tracking: names with optional weights") {
  const Config config = parse_ok(
      "[script chk]\nscript = /bin/chk\nweight = -60\n[script chk2]\nscript = /bin/chk2\n"
      "[track_file maint]\nfile = /run/maint\n" +
      std::string(kInstance) +
      "track_interface = eth1 weight -50\ntrack_interface = eth2\n"
      "track_script = chk\ntrack_script = chk2 weight +10\n"
      "track_file = maint\n");
  const auto& in = config.instances[0];
  REQUIRE(in.track_interfaces.size() == 2);
  CHECK(in.track_interfaces[0].name == "eth1");
  CHECK(in.track_interfaces[0].weight == -50);
  CHECK(in.track_interfaces[1].weight == 0);
  CHECK(in.track_interfaces[1].origin.loc.line == 13);
  REQUIRE(in.track_scripts.size() == 2);
  CHECK(in.track_scripts[0].weight == -60);  // the script's weight
  CHECK(in.track_scripts[1].weight == 10);   // overridden
  REQUIRE(in.track_files.size() == 1);
  CHECK(in.track_files[0].weight == 1);  // the track file's default
}

TEST_CASE("tracking errors: weight syntax and range") {
  const std::string form = " (NAME or NAME weight N, N in -253..253; 0 = fault)";
  CHECK(instance_error("track_interface = eth1 weight - 50\n") ==
        "t.conf:5: track_interface: \"eth1 weight - 50\" is not understood" + form);
  CHECK(instance_error("track_interface = eth1 -50\n") ==
        "t.conf:5: track_interface: \"eth1 -50\" is not understood" + form);
  CHECK(instance_error("track_interface = eth1 weight -254\n") ==
        "t.conf:5: track_interface: -254 is below -253 (a weight is -253..253; 0 = fault)");
  CHECK(contains(instance_error("track_interface = eth1/x\n"), "not a valid interface name"));
  CHECK(contains(instance_error("track_script =\n"), "no name"));
}

TEST_SUITE_END();
