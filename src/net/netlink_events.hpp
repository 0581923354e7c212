// Netlink events: rtnetlink link and address messages turned into typed values.
//
// parse_netlink() is PURE: it reads a buffer of netlink messages (what one recv() on a
// NETLINK_ROUTE socket returns, a dump or notifications) with libmnl's attribute helpers and
// never touches a socket. Each RTM_NEWLINK / RTM_DELLINK / RTM_NEWADDR / RTM_DELADDR becomes a
// LinkState or AddrState carrying the full state the kernel reported; other message types are
// skipped. Every length is checked: a message whose header or attributes do not fit is skipped
// and counted as malformed, so hostile or truncated input cannot crash it (it is fuzzed).
//
// Link messages of any family but AF_UNSPEC are skipped: AF_BRIDGE ones are bridge-port events
// (an RTM_DELLINK of that family means a port left its bridge, not that the link went away).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "floatd/ip_address.hpp"
#include "vrrp/vmac.hpp"

namespace floatd::net {

using vrrp::MacAddress;

// One link as RTM_NEWLINK / RTM_DELLINK reports it.
// IFLA_IFALIAS of the VMACs floatd makes (`ip link` shows "alias floatd-vmac"), so that one
// left by a floatd killed before it could delete it is known for floatd's after a restart,
// and told from a keepalived VMAC of the same name and MAC.
inline constexpr char kVmacAlias[] = "floatd-vmac";

struct LinkState {
  int ifindex = 0;
  std::string name;  // net::kernel_name(): escaped and marked when not clean text
  bool admin_up = false;   // IFF_UP
  bool carrier = false;    // IFLA_CARRIER (may be 1 on an admin-down link), else IFF_LOWER_UP
  MacAddress mac{};        // IFLA_ADDRESS when it is 6 bytes long (Ethernet), else zero
  int parent_ifindex = 0;  // IFLA_LINK (the macvlan's parent) when in this namespace, else 0
  bool deleted = false;    // RTM_DELLINK
  bool floatd_vmac = false;  // IFLA_IFALIAS is kVmacAlias

  friend bool operator==(const LinkState&, const LinkState&) = default;
};

// One address as RTM_NEWADDR / RTM_DELADDR reports it.
struct AddrState {
  int ifindex = 0;
  IpPrefix prefix;          // IFA_LOCAL, else IFA_ADDRESS; ifa_prefixlen
  std::string label;        // IFA_LABEL (IPv4 only)
  std::uint8_t proto = 0;   // IFA_PROTO; floatd's VIPs carry kFloatdAddrProto (kernel.hpp)
  std::uint32_t flags = 0;  // IFA_FLAGS, else ifa_flags (IFA_F_TENTATIVE, IFA_F_NODAD, ...)
  bool deleted = false;     // RTM_DELADDR

  friend bool operator==(const AddrState&, const AddrState&) = default;
};

using NetlinkEvent = std::variant<LinkState, AddrState>;

struct ParseResult {
  std::vector<NetlinkEvent> events;  // in buffer order
  int malformed = 0;                 // link/address messages skipped because they did not parse
  bool done = false;                 // NLMSG_DONE seen (end of a dump)
};

// Parses every link/address message in `buffer`; anything else is skipped.
ParseResult parse_netlink(std::span<const std::uint8_t> buffer);

}  // namespace floatd::net
