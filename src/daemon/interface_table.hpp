// The interfaces floatd knows about, kept current from the link monitor's dumps and events.
//
// Instances ask it by name: does eth0 exist, is it usable (admin up and carrier), what is its MAC,
// its primary IPv4 address (the advert source, PKT-11) and its IPv6 link-local address. Pure: fed
// with parsed netlink events, so unit tests drive it with values.
//
// Addresses stay in the order the kernel reported them: an RTM_NEWADDR for an address that is
// already known (a DHCP renew, a flag change at the end of DAD) updates it in place, so the advert
// source, and with it the tie-break on equal priority, does not move when nothing did.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "net/netlink_events.hpp"

namespace floatd::daemon {

struct InterfaceInfo {
  net::LinkState link;
  std::vector<net::AddrState> addresses;  // in the order the kernel reported them

  bool usable() const { return link.admin_up && link.carrier; }
  // PKT-11: the first usable primary IPv4 address that is not one of floatd's VIPs (IFA_PROTO).
  // Secondary addresses are skipped, unless floatd's VIP took the primary slot of the subnet (it
  // came first): then the first usable secondary of the admin's is better than none. Usable:
  // neither tentative nor DAD-failed.
  std::optional<IpAddress> primary_v4() const;
  // PKT-11: the first usable fe80::/10 address, the interface's own before floatd's (a VMAC's only
  // link-local is floatd's copy of its parent's). Usable: not DAD-failed, and not tentative unless
  // optimistic (RFC 4429 lets an optimistic address be used during DAD).
  std::optional<IpAddress> link_local_v6() const;
  bool has_address(const IpPrefix& prefix) const;
};

class InterfaceTable {
 public:
  // Applies one event. Returns the interface's name, or empty when it is unknown.
  std::string apply(const net::NetlinkEvent& event);
  void clear() {
    by_index_.clear();
    by_name_.clear();
  }

  const InterfaceInfo* find(const std::string& name) const;
  const InterfaceInfo* find(int ifindex) const;
  // Every interface, by ifindex (the reconciler's sweep for addresses nobody wants).
  const std::map<int, InterfaceInfo>& interfaces() const { return by_index_; }

 private:
  void forget_name(const std::string& name, int ifindex);

  std::map<int, InterfaceInfo> by_index_;
  std::map<std::string, int, std::less<>> by_name_;  // find(name) per VIP: no scan of all links
};

}  // namespace floatd::daemon
