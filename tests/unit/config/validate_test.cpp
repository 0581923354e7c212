// The validation pass: one case per rule, each a valid config but for that one rule.
#include <doctest/doctest.h>

#include "config_test_util.hpp"

using namespace floatd::config;
using namespace floatd::config::test;

namespace {

// A second instance "db" on eth0 with VRID `vrid` and address `vip`, after kInstance.
std::string with_db(std::string_view vrid, std::string_view vip, std::string_view extra = "") {
  return std::string(kInstance) +
         "[instance db]\ninterface = eth0\nvirtual_router_id = " + std::string(vrid) +
         "\nvirtual_ipaddress = " + std::string(vip) + "\n" + std::string(extra);
}

}  // namespace

TEST_SUITE_BEGIN("config");

TEST_CASE("the example instance is valid") { parse_ok(kInstance); }

TEST_CASE("accept = no is refused, not silently ignored") {  // covers: MODE-3
  CHECK(one_error(std::string(kInstance) + "accept = no\n") ==
        "t.conf:5: accept: no is not supported: floatd installs no firewall rules, so its VIPs "
        "always accept traffic (Accept_Mode true, keepalived's default); remove the line or set yes");
  parse_ok(std::string(kInstance) + "accept = yes\n");
}

TEST_CASE("an instance needs interface, virtual_router_id and a virtual address") {
  CHECK(one_error("[instance web]\nvirtual_router_id = 1\nvirtual_ipaddress = 10.0.0.1\n") ==
        "t.conf:1: [instance web]: interface is required (interface = IF)");
  CHECK(one_error("[instance web]\ninterface = eth0\nvirtual_ipaddress = 10.0.0.1\n") ==
        "t.conf:1: [instance web]: virtual_router_id is required (1..255)");
  CHECK(one_error("\n[instance web]\ninterface = eth0\nvirtual_router_id = 1\n") ==
        "t.conf:2: [instance web]: at least one virtual_ipaddress is required (ADDR[/LEN] "
        "[dev IF])");
}

TEST_CASE("a required key with a bad value is reported once") {
  CHECK(contains(one_error("[instance web]\ninterface = eth0\nvirtual_router_id = x\n"
                           "virtual_ipaddress = 10.0.0.1\n"),
                 "virtual_router_id: \"x\" is not a whole number"));
}

TEST_CASE("IPv6 virtual addresses need VRRPv3") {
  CHECK(one_error("[instance v6]\ninterface = eth0\nvirtual_router_id = 1\nversion = 2\n"
                  "virtual_ipaddress = 2001:db8::1/64\n") ==
        "t.conf:5: virtual_ipaddress: 2001:db8::1/64 is IPv6, which needs version = 3 (VRRPv2 "
        "is IPv4 only)");
}

TEST_CASE("all virtual addresses of an instance are of the first one's family") {
  CHECK(instance_error("\nvirtual_ipaddress = 2001:db8::1/64\n") ==
        "t.conf:6: virtual_ipaddress: 2001:db8::1/64 is IPv6 but this instance is IPv4 (from "
        "its first virtual_ipaddress at line 4); use one instance per address family");
}

TEST_CASE("a virtual address is listed once per instance") {
  CHECK(instance_error("virtual_ipaddress = 10.0.0.100/32 dev eth1\n") ==
        "t.conf:5: virtual_ipaddress: 10.0.0.100 is already listed at line 4");
}

TEST_CASE("a virtual address belongs to one instance") {
  CHECK(one_error(with_db("52", "10.0.0.100/24")) ==
        "t.conf:8: virtual_ipaddress: 10.0.0.100 is also a virtual address of instance web; an "
        "address belongs to one instance");
}

TEST_CASE("virtual addresses are unicast") {
  CHECK(contains(instance_error("virtual_ipaddress = 224.0.0.18\n"),
                 "t.conf:5: virtual_ipaddress: 224.0.0.18 is a multicast or unspecified"));
  CHECK(contains(instance_error("virtual_ipaddress = 0.0.0.0/8\n"), "multicast or unspecified"));
}

TEST_CASE("labels: IPv4, the device's name then ':', at most 15 characters") {
  parse_ok(std::string(kInstance) + "virtual_ipaddress = 10.0.0.7 label eth0:web\n");
  CHECK(instance_error("virtual_ipaddress = 10.0.0.7 label web\n") ==
        "t.conf:5: virtual_ipaddress: label \"web\" must be \"eth0:SUFFIX\", at most 15 "
        "characters");
  CHECK(contains(instance_error("virtual_ipaddress = 10.0.0.7 dev eth1 label eth0:x\n"),
                 "must be \"eth1:SUFFIX\""));
  CHECK(contains(instance_error("use_vmac = yes\nvirtual_ipaddress = 10.0.0.7 label eth0:x\n"),
                 "must be \"vrrp.51:SUFFIX\""));
  CHECK(contains(instance_error("virtual_ipaddress = 10.0.0.7 label eth0:0123456789a\n"),
                 "at most 15"));
  CHECK(one_error("[instance v6]\ninterface = eth0\nvirtual_router_id = 1\n"
                  "virtual_ipaddress = 2001:db8::1/64 label eth0:x\n") ==
        "t.conf:4: virtual_ipaddress: label is for IPv4 addresses only");
}

TEST_CASE("unicast addresses are of the instance's family, unicast, not ours, once") {
  CHECK(instance_error("unicast_src_ip = 2001:db8::2\n") ==
        "t.conf:5: unicast_src_ip: 2001:db8::2 is IPv6 but the virtual addresses are IPv4");
  CHECK(instance_error("unicast_peer = 2001:db8::3\n") ==
        "t.conf:5: unicast_peer: 2001:db8::3 is IPv6 but the virtual addresses are IPv4");
  CHECK(instance_error("unicast_peer = 224.0.0.18\n") ==
        "t.conf:5: unicast_peer: 224.0.0.18 is not a unicast address");
  CHECK(instance_error("unicast_src_ip = 0.0.0.0\n") ==
        "t.conf:5: unicast_src_ip: 0.0.0.0 is not a unicast address");
  CHECK(instance_error("unicast_src_ip = 10.0.0.2\nunicast_peer = 10.0.0.2\n") ==
        "t.conf:6: unicast_peer: 10.0.0.2 is this node's unicast_src_ip; list the other nodes");
  CHECK(instance_error("unicast_peer = 10.0.0.3\nunicast_peer = 10.0.0.3\n") ==
        "t.conf:6: unicast_peer: 10.0.0.3 is already listed at line 5");
}

TEST_CASE("a VRID is unique per interface and address family") {
  CHECK(one_error(with_db("51", "10.0.0.2")) ==
        "t.conf:7: virtual_router_id: 51 is already used on eth0 for IPv4 by instance web (line "
        "3); a VRID is unique per interface and address family");
  parse_ok(with_db("51", "2001:db8::2/64"));  // other family
  parse_ok(
      std::string(kInstance) +
      "[instance db]\ninterface = eth1\nvirtual_router_id = 51\nvirtual_ipaddress = 10.0.0.2\n");
}

TEST_CASE("authentication: PASS is VRRPv2 only, needs a password, and only it takes one") {
  CHECK(instance_error("auth_type = PASS\nauth_pass = x\n") ==
        "t.conf:5: auth_type: VRRPv3 has no authentication (RFC 5798 §9); PASS needs version = 2 "
        "(or v2_compat = yes, where only the VRRPv2 adverts carry it)");
  CHECK(instance_error("version = 2\nauth_type = PASS\n") ==
        "t.conf:6: auth_type: PASS needs auth_pass (1..8 characters)");
  CHECK(instance_error("version = 2\nauth_pass = secret\n") ==
        "t.conf:6: auth_pass: auth_pass needs auth_type = PASS (VRRPv2 only)");
  CHECK(instance_error("auth_type = NONE\nauth_pass = secret\n") ==
        "t.conf:6: auth_pass: auth_pass needs auth_type = PASS (VRRPv2 only)");
  parse_ok(std::string(kInstance) + "auth_type = NONE\n");
}

TEST_CASE("the address owner always preempts") {
  CHECK(instance_error("priority = 255\npreempt = no\n") ==
        "t.conf:6: preempt: the address owner (priority 255) always preempts (RFC 5798 "
        "§6.4.3); remove preempt = no or lower the priority");
  parse_ok(std::string(kInstance) + "priority = 254\npreempt = no\n");
}

TEST_CASE("the address owner's priority does not move: weights must be 0") {
  CHECK(instance_error("priority = 255\ntrack_interface = eth1 weight -10\n") ==
        "t.conf:6: track_interface: weight -10 of eth1 would never apply: the address owner's "
        "priority (255) does not change; use weight 0 (fault) or a priority of 1..254");
  CHECK(contains(one_error("[script s]\nscript = /s\nweight = 5\n" + std::string(kInstance) +
                           "priority = 255\ntrack_script = s\n"),
                 "t.conf:9: track_script: weight 5 of s would never apply"));
  parse_ok(std::string(kInstance) + "priority = 255\ntrack_interface = eth1\n");
}

TEST_CASE("preempt = no goes with state BACKUP and no preempt_delay") {
  CHECK(instance_error("preempt = no\nstate = MASTER\n") ==
        "t.conf:6: state: MASTER with preempt = no: a node that starts as master preempts "
        "anyway; use state = BACKUP");
  CHECK(instance_error("preempt = no\npreempt_delay = 10\n") ==
        "t.conf:6: preempt_delay: has no effect with preempt = no; remove one of them");
  parse_ok(std::string(kInstance) + "preempt = no\npreempt_delay = 0\n");
}

TEST_CASE("v3_checksum_as_v2 is for VRRPv3 over IPv4") {
  CHECK(instance_error("version = 2\nv3_checksum_as_v2 = yes\n") ==
        "t.conf:6: v3_checksum_as_v2: only applies to VRRPv3 over IPv4; set it to no");
  CHECK(one_error("[instance v6]\ninterface = eth0\nvirtual_router_id = 1\n"
                  "virtual_ipaddress = 2001:db8::1/64\nv3_checksum_as_v2 = yes\n") ==
        "t.conf:5: v3_checksum_as_v2: only applies to VRRPv3 over IPv4; set it to no");
}

// covers: IOP-1 (RFC 5798 / RFC 9568 §8.4.2): the mode is a VRRPv3 instance's, IPv4 only.
TEST_CASE("IOP-1: v2_compat needs version 3 and IPv4") {
  CHECK(instance_error("version = 2\nv2_compat = yes\n") ==
        "t.conf:6: v2_compat: is a VRRPv3 mode that also speaks VRRPv2 (RFC 5798 §8.4.2); it "
        "needs version = 3");
  CHECK(one_error("[instance v6]\ninterface = eth0\nvirtual_router_id = 1\n"
                  "virtual_ipaddress = 2001:db8::1/64\nv2_compat = yes\n") ==
        "t.conf:5: v2_compat: VRRPv2 is IPv4 only; an IPv6 instance has no VRRPv2 peer to meet "
        "(set it to no)");
  CHECK(contains(instance_error("v2_compat = maybe\n"), "t.conf:5: v2_compat: \"maybe\" is not a boolean"));
  const Config c = parse_ok(std::string(kInstance) + "v2_compat = yes\n");
  CHECK(c.instances.at(0).v2_compat);
  CHECK_FALSE(parse_ok(kInstance).instances.at(0).v2_compat);
}

// In v2_compat the VRRPv2 adverts carry PASS, so a keepalived pair with auth_pass migrates.
TEST_CASE("IOP-1: v2_compat takes PASS for its VRRPv2 adverts") {
  const Config c =
      parse_ok(std::string(kInstance) + "v2_compat = yes\nauth_type = PASS\nauth_pass = secret12\n");
  CHECK(c.instances.at(0).auth.type == AuthType::kPass);
  CHECK(instance_error("v2_compat = yes\nauth_type = PASS\n") ==
        "t.conf:6: auth_type: PASS needs auth_pass (1..8 characters)");
}

TEST_CASE("VMAC names: not the interface, one per instance") {
  CHECK(instance_error("use_vmac = eth0\n") ==
        "t.conf:5: use_vmac: the VMAC interface cannot be the instance's interface eth0 (yes, no "
        "or another name)");
  CHECK(one_error(with_db("52", "10.0.0.2", "use_vmac = vm\n") +
                  "[instance x]\n"
                  "interface = eth0\nvirtual_router_id = 53\nvirtual_ipaddress = 10.0.0.3\n"
                  "use_vmac = vm\n") ==
        "t.conf:14: use_vmac: vm is also the VMAC of instance db; give each instance its own name");
}

TEST_CASE("a name is tracked once per instance") {
  CHECK(instance_error("track_interface = eth1\ntrack_interface = eth1 weight -5\n") ==
        "t.conf:6: track_interface: eth1 is already tracked at line 5");
}

TEST_CASE("tracked scripts and files must be defined, in any order") {
  CHECK(instance_error("track_script = chk\n") ==
        "t.conf:5: track_script: no [script chk] is defined");
  CHECK(instance_error("track_file = maint\n") ==
        "t.conf:5: track_file: no [track_file maint] is defined");
  const Config later = parse_ok(std::string(kInstance) +
                                "track_script = chk\n"
                                "[script chk]\nscript = /chk\nweight = -7\n");
  CHECK(later.instances[0].track_scripts[0].weight == -7);
}

TEST_CASE("scripts and track files need their command and file") {
  CHECK(one_error("[script chk]\ninterval = 2\n") ==
        "t.conf:1: [script chk]: script is required (script = /absolute/path [ARGS])");
  CHECK(one_error("[track_file m]\nweight = 2\n") ==
        "t.conf:1: [track_file m]: file is required (file = /absolute/path)");
}

TEST_CASE("recover_attempts needs recover") {
  CHECK(one_error("[script chk]\nscript = /chk\nrecover_attempts = 3\n") ==
        "t.conf:3: recover_attempts: recover_attempts needs recover (recover = /absolute/path "
        "[ARGS])");
  parse_ok("[script chk]\nscript = /chk\nrecover_attempts = 3\nrecover = /fix\n");
  parse_ok("[script chk]\nscript = /chk\nrecover = /fix\n");
  // A recover with a bad value is reported once, as that value.
  CHECK(contains(one_error("[script chk]\nscript = /chk\nrecover = fix\nrecover_attempts = 2\n"),
                 "t.conf:3: recover: \"fix\" is not an absolute path"));
}

// keepalived sets the weights of sync group members' tracking to 0; floatd keeps them.
TEST_CASE("sync group members keep non-zero tracking weights, silently") {
  const std::string text =
      "[script chk]\nscript = /chk\nweight = -60\n" +
      with_db("52", "10.0.0.2", "track_script = chk\ntrack_interface = eth1 weight -20\n") +
      "[sync_group g]\ngroup = web db\n";
  CHECK(errors_of(text).empty());
  const Config config = parse_ok(text);
  const auto& db = *config.find_instance("db");
  CHECK(config.group_of("db") != nullptr);
  CHECK(db.track_scripts.at(0).weight == -60);
  CHECK(db.track_interfaces.at(0).weight == -20);
  CHECK(contains(print(config), "\ntrack_script = chk weight -60\n"));
}

TEST_CASE("sync groups: two or more defined instances, each in one group once") {
  const std::string two = with_db("52", "10.0.0.2");
  parse_ok(two + "[sync_group g]\ngroup = web db\n");
  CHECK(one_error(two + "[sync_group g]\ngroup = web\n") ==
        "t.conf:9: [sync_group g]: a sync group needs at least two instances (group = NAME NAME "
        "...)");
  CHECK(one_error(two + "[sync_group g]\n") ==
        "t.conf:9: [sync_group g]: a sync group needs at least two instances (group = NAME NAME "
        "...)");
  CHECK(one_error(two + "[sync_group g]\ngroup = web db dns\n") ==
        "t.conf:10: group: no [instance dns] is defined");
  CHECK(one_error(two + "[sync_group g]\ngroup = web db\ngroup = web\n") ==
        "t.conf:11: group: web is already in this group (line 10); an instance is in at most one "
        "sync group, once");
  const std::string three = two +
                            "[instance dns]\ninterface = eth0\nvirtual_router_id = 53\n"
                            "virtual_ipaddress = 10.0.0.3\n";
  CHECK(one_error(three + "[sync_group g]\ngroup = web db\n[sync_group h]\ngroup = db dns\n") ==
        "t.conf:16: group: db is already in sync group g (line 14); an instance is in at most "
        "one sync group, once");
}

TEST_SUITE_END();
