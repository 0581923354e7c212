// InstanceConfig: an [instance NAME] section, one VRRP virtual router (keepalived's
// vrrp_instance) on one interface and one address family.
//
// Defaults are filled in by the parser: `version` from [global] vrrp_version, `use_vmac =
// yes` as its name (vrrp.VRID / vrrp6.VRID), a tracked script's or file's weight from its
// section unless the instance overrides it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/notify_config.hpp"
#include "config/router_advert_config.hpp"
#include "config/source_loc.hpp"
#include "config/sync_group_config.hpp"
#include "floatd/ip_address.hpp"
#include "floatd/time.hpp"
#include "floatd/types.hpp"

namespace floatd::config {

// `virtual_ipaddress = ADDR[/LEN] [dev IF] [label L]`
struct VirtualIp {
  IpPrefix prefix;
  std::string dev;    // empty: the instance's interface (its VMAC with use_vmac)
  std::string label;  // IPv4 only; empty: none
  Origin origin;

  friend bool operator==(const VirtualIp&, const VirtualIp&) = default;
};

struct UnicastPeer {
  IpAddress address;
  Origin origin;

  friend bool operator==(const UnicastPeer&, const UnicastPeer&) = default;
};

// `heartbeat_path = IF peer ADDR [peer ADDR ...] [src ADDR]` (issue 11): one more unicast
// channel to the other nodes of the same virtual router. The Master sends every advert over
// each path too, and a Backup hears its Master on any of them: it takes over only when every
// path is silent, so one broken cable or switch port does not make two Masters.
struct HeartbeatPath {
  std::string interface;
  std::vector<IpAddress> peers;  // one or more
  std::optional<IpAddress> src;  // empty: the interface's primary IPv4 / IPv6 link-local
  Origin origin;

  friend bool operator==(const HeartbeatPath&, const HeartbeatPath&) = default;
};

// `track_interface|track_script|track_file = NAME [weight N]`; weight 0 = fault.
struct TrackRef {
  std::string name;
  int weight = 0;  // -253..253
  Origin origin;

  friend bool operator==(const TrackRef&, const TrackRef&) = default;
};

enum class AuthType : std::uint8_t { kNone, kPass };  // VRRPv2 only (RFC 3768 §5.3.6)

struct AuthConfig {
  AuthType type = AuthType::kNone;
  std::string pass;  // 1..8 characters with kPass

  friend bool operator==(const AuthConfig&, const AuthConfig&) = default;
};

// Gratuitous ARP / unsolicited NA after becoming master (keepalived's garp_master_*).
struct GarpConfig {
  Centiseconds delay{500};  // second burst this long after the first; 0 = none
  int repeat = 5;           // messages per burst, 1..255
  Centiseconds refresh{0};  // re-announce this often while master; 0 = off

  friend bool operator==(const GarpConfig&, const GarpConfig&) = default;
};

struct InstanceConfig {
  std::string name;
  std::string interface;  // required
  Vrid vrid = 0;          // virtual_router_id, required, 1..255
  Priority priority = kDefaultPriority;
  Centiseconds advert_int{100};

  Version version = Version::kV3;
  State initial_state = State::kBackup;  // `state`: kBackup or kMaster
  bool preempt = true;
  Centiseconds preempt_delay{0};
  bool accept = true;  // RFC 5798 Accept_Mode
  std::vector<VirtualIp> vips;
  std::optional<IpAddress> unicast_src_ip;
  std::vector<UnicastPeer> unicast_peers;  // non-empty: unicast mode
  std::vector<HeartbeatPath> heartbeat_paths;
  std::string heartbeat_key;  // FILE with the paths' HMAC secret; empty: paths unauthenticated
  // strict_peers = yes: an advert from a source that is not a known peer (known_peers()), or
  // with an address list other than ours, is dropped and alarmed, never obeyed (issue 11).
  bool strict_peers = false;
  std::vector<UnicastPeer> peers;  // `peer = ADDR`: known peers in multicast mode
  std::string vmac;                        // use_vmac: the VMAC interface's name; empty = no
  // RFC 5798 §5.2.9, §6.1 (PKT-7): the virtual router's IPv6 link-local address, held by the
  // Master and listed first in its adverts. `virtual_link_local = auto` (vmac.hpp's EUI-64 of
  // the virtual MAC), an fe80:: address, or none (empty). Default: auto with send_ra, else none.
  std::optional<IpAddress> virtual_link_local;
  bool send_ra = false;  // the Master sends Router Advertisements (L2-8)
  RouterAdvertConfig ra;
  bool v3_checksum_as_v2 = false;
  // v2_compat = yes (version 3, IPv4): RFC 5798 / RFC 9568 §8.4.2 migration mode. The Master
  // sends a VRRPv2 advert beside each VRRPv3 one; both versions are heard (IOP-1..IOP-4).
  bool v2_compat = false;
  GarpConfig garp;
  AuthConfig auth;
  std::vector<TrackRef> track_interfaces;
  std::vector<TrackRef> track_scripts;
  std::vector<TrackRef> track_files;
  NotifyConfig notify;
  SectionOrigin origin;

  // The address family, from the first virtual address (IPv4 when there is none).
  Family family() const;
  bool unicast() const { return !unicast_peers.empty(); }
  // Every address an advert for this virtual router may come from: unicast_peer, peer and
  // every heartbeat_path peer (strict_peers).
  std::vector<IpAddress> known_peers() const;

  friend bool operator==(const InstanceConfig&, const InstanceConfig&) = default;
};

// Drops every source location in `c` (validation and the runtime checks are done with them):
// what a running instance keeps, a kilobyte less each (a thousand instances: a megabyte).
void forget_locations(InstanceConfig& c);

// The device the instance sends and receives adverts on: its VMAC, else its interface. With
// unicast peers it is always the interface. A unicast advert is addressed to the peer's own
// address, so it arrives on the peer's interface, where a socket bound to the VMAC never sees
// it (keepalived's PR #1733). And it must not leave from the VMAC either: every node of the
// virtual router has that MAC, so a Backup's ARP for its peer, or two nodes that are both Master
// for a moment, make the bridge learn the virtual MAC on the wrong port and the peers' replies
// are dropped there: they stay deaf to each other, two Masters for good. The virtual MAC is
// still the VIPs' (their GARPs and traffic), which is what the LAN needs of it.
const std::string& advert_device(const InstanceConfig& instance);

// What the Master holds, in advert order: the virtual link-local (a /64 on
// vmac_or_interface()) if there is one, then the VIPs (RFC 5798 §5.2.9: link-local first).
std::vector<VirtualIp> held_addresses(const InstanceConfig& instance);

// The VMAC if there is one, else the interface.
const std::string& vmac_or_interface(const InstanceConfig& instance);

// The interface a virtual address goes on: its `dev`, else vmac_or_interface().
const std::string& vip_device(const InstanceConfig& instance, const VirtualIp& vip);

// The default VMAC name for `use_vmac = yes`: "vrrp.51", "vrrp6.51".
std::string default_vmac_name(Family family, Vrid vrid);

}  // namespace floatd::config
