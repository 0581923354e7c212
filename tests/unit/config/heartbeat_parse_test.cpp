// Issue 11's keys: heartbeat_path, heartbeat_key, strict_peers and peer (parse and validation).
#include <doctest/doctest.h>

#include "config_test_util.hpp"

using namespace floatd;
using namespace floatd::config;
using namespace floatd::config::test;

TEST_SUITE_BEGIN("config");

TEST_CASE("heartbeat_path: interface, peers and source") {
  const auto in = instance_with(
      "heartbeat_path = eth1 peer 198.51.100.2\n"
      "heartbeat_path = eth2 peer 203.0.113.2 peer 203.0.113.3 src 203.0.113.1\n");
  REQUIRE(in.heartbeat_paths.size() == 2);
  CHECK(in.heartbeat_paths[0].interface == "eth1");
  CHECK(in.heartbeat_paths[0].peers == std::vector{*IpAddress::parse("198.51.100.2")});
  CHECK_FALSE(in.heartbeat_paths[0].src);
  CHECK(in.heartbeat_paths[1].peers.size() == 2);
  CHECK(in.heartbeat_paths[1].src == IpAddress::parse("203.0.113.1"));
  CHECK(in.heartbeat_paths[1].origin.loc.line == 6);
  CHECK_FALSE(in.unicast());  // the primary interface stays multicast
  CHECK(in.known_peers().size() == 3);
}

TEST_CASE("heartbeat_path: what is not understood is said") {
  CHECK(instance_error("heartbeat_path = eth1\n") ==
        "t.conf:5: heartbeat_path: no peer (IF peer ADDR [peer ADDR ...] [src ADDR])");
  CHECK(instance_error("heartbeat_path = eth1 peer\n") ==
        "t.conf:5: heartbeat_path: \"peer\" needs an address (IF peer ADDR [peer ADDR ...] "
        "[src ADDR])");
  CHECK(instance_error("heartbeat_path = eth1 via 10.0.0.2\n") ==
        "t.conf:5: heartbeat_path: unknown option \"via\" (IF peer ADDR [peer ADDR ...] "
        "[src ADDR])");
  CHECK(instance_error("heartbeat_path = eth1 peer 10.0.0.300\n") ==
        "t.conf:5: heartbeat_path: \"10.0.0.300\" is not an IPv4 or IPv6 address (IF peer ADDR "
        "[peer ADDR ...] [src ADDR])");
  CHECK(instance_error("heartbeat_path = eth1 peer 10.0.0.2 src 10.0.0.1 src 10.0.0.3\n") ==
        "t.conf:5: heartbeat_path: \"src\" given twice (IF peer ADDR [peer ADDR ...] [src ADDR])");
}

TEST_CASE("heartbeat_path: validation") {
  CHECK(instance_error("heartbeat_path = eth0 peer 10.0.0.2\n") ==
        "t.conf:5: heartbeat_path: eth0 is the instance's own interface; a path is another link "
        "(a direct cable, a second network)");
  CHECK(instance_error("heartbeat_path = eth1 peer 2001:db8::2\n") ==
        "t.conf:5: heartbeat_path: 2001:db8::2 is IPv6 but the virtual addresses are IPv4");
  CHECK(instance_error("heartbeat_path = eth1 peer 10.0.0.2 peer 10.0.0.2\n") ==
        "t.conf:5: heartbeat_path: peer 10.0.0.2 is listed twice");
  CHECK(instance_error("heartbeat_path = eth1 peer 10.0.0.2 src 10.0.0.2\n") ==
        "t.conf:5: heartbeat_path: peer 10.0.0.2 is this node's src; list the other nodes");
  CHECK(instance_error("heartbeat_path = eth1 peer 10.0.0.2\nheartbeat_path = eth1 peer 10.0.0.3\n") ==
        "t.conf:6: heartbeat_path: eth1 already has a path at line 5; list every peer of one "
        "interface on one line");
  CHECK(instance_error("heartbeat_path = eth1 peer 224.0.0.18\n") ==
        "t.conf:5: heartbeat_path: 224.0.0.18 is not a unicast address");
}

TEST_CASE("heartbeat_path: its interface is not another instance's for the same VRID") {
  const std::string text = std::string(kInstance) +
                           "heartbeat_path = eth1 peer 10.9.0.2\n"
                           "[instance db]\ninterface = eth1\nvirtual_router_id = 51\n"
                           "virtual_ipaddress = 10.0.0.9\n";
  CHECK(one_error(text) ==
        "t.conf:5: heartbeat_path: VRID 51 on eth1 for IPv4 is already used by instance db; a "
        "heartbeat path needs an interface where the VRID is free");
}

TEST_CASE("heartbeat_key: an absolute file, and only with paths") {
  CHECK(instance_with("heartbeat_path = eth1 peer 10.9.0.2\nheartbeat_key = /etc/floatd/hb.key\n")
            .heartbeat_key == "/etc/floatd/hb.key");
  CHECK(instance_error("heartbeat_path = eth1 peer 10.9.0.2\nheartbeat_key = hb.key\n") ==
        "t.conf:6: heartbeat_key: an absolute file name (a root-only file, mode 0600)");
  CHECK(instance_error("heartbeat_key = /etc/floatd/hb.key\n") ==
        "t.conf:5: heartbeat_key: authenticates heartbeat paths, and this instance has none "
        "(heartbeat_path = IF peer ADDR)");
}

TEST_CASE("strict_peers needs known peers; peer lists them") {
  CHECK_FALSE(instance_with("").strict_peers);
  const auto in = instance_with("strict_peers = yes\npeer = 10.0.0.2\n");
  CHECK(in.strict_peers);
  CHECK(in.known_peers() == std::vector{*IpAddress::parse("10.0.0.2")});
  const std::string none =
      "strict_peers: yes obeys only known peers, and none is listed for eth0: add peer = ADDR "
      "for each other node's address there";
  CHECK(instance_error("strict_peers = yes\n") == "t.conf:5: " + none);
  CHECK(instance_with("strict_peers = yes\nunicast_peer = 10.0.0.2\n").strict_peers);
  // A path's peers are the other node's addresses on another link, not on eth0.
  CHECK(instance_error("strict_peers = yes\nheartbeat_path = eth1 peer 10.9.0.2\n") ==
        "t.conf:5: " + none);
  CHECK(instance_with("strict_peers = yes\nheartbeat_path = eth1 peer 10.9.0.2\npeer = 10.0.0.2\n")
            .strict_peers);
  CHECK(instance_error("peer = 10.0.0.2\npeer = 10.0.0.2\n") ==
        "t.conf:6: peer: 10.0.0.2 is already listed at line 5");
  CHECK(instance_error("peer = 2001:db8::2\n") ==
        "t.conf:5: peer: 2001:db8::2 is IPv6 but the virtual addresses are IPv4");
}

TEST_CASE("the printer writes the new keys only when used, and they round-trip") {
  const Config plain = parse_ok(kInstance);
  CHECK(print(plain).find("strict_peers") == std::string::npos);
  CHECK(print(plain).find("heartbeat") == std::string::npos);
  const Config c = parse_ok(std::string(kInstance) +
                            "heartbeat_path = eth2 peer 203.0.113.2 src 203.0.113.1\n"
                            "heartbeat_key = /etc/floatd/hb.key\n"
                            "strict_peers = yes\npeer = 10.0.0.2\n");
  const std::string text = print(c);
  CHECK(text.find("heartbeat_path = eth2 peer 203.0.113.2 src 203.0.113.1\n") != std::string::npos);
  CHECK(text.find("heartbeat_key = /etc/floatd/hb.key\n") != std::string::npos);
  CHECK(text.find("strict_peers = yes\n") != std::string::npos);
  CHECK(text.find("peer = 10.0.0.2\n") != std::string::npos);
  CHECK(parse_ok(text).instances == c.instances);
}

TEST_SUITE_END();
