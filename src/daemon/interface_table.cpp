#include "daemon/interface_table.hpp"

#include <linux/if_addr.h>

#include <algorithm>
#include <type_traits>

#include "net/kernel.hpp"

namespace floatd::daemon {
namespace {

// An address the kernel lets us send from: DAD has not failed, and it is not tentative unless it is
// optimistic (RFC 4429 §3.1). IPv4 addresses carry neither flag in practice.
bool can_send_from(const net::AddrState& a) {
  if ((a.flags & IFA_F_DADFAILED) != 0) return false;
  return (a.flags & IFA_F_TENTATIVE) == 0 || (a.flags & IFA_F_OPTIMISTIC) != 0;
}

bool is_floatds(const net::AddrState& a) { return a.proto == net::kFloatdAddrProto; }

// The first address that `candidate` accepts, trying each preference in turn.
template <typename Candidate, typename... Preference>
std::optional<IpAddress> first_of(const std::vector<net::AddrState>& addresses, Candidate candidate,
                                  Preference... preference) {
  std::optional<IpAddress> found;
  auto pass = [&](auto preferred) {
    if (found) return;
    for (const auto& a : addresses) {
      if (candidate(a) && preferred(a)) {
        found = a.prefix.address;
        return;
      }
    }
  };
  (pass(preference), ...);
  return found;
}

}  // namespace

std::optional<IpAddress> InterfaceInfo::primary_v4() const {
  return first_of(
      addresses,
      [](const net::AddrState& a) {
        return a.prefix.address.is_v4() && can_send_from(a) && !is_floatds(a);
      },
      [](const net::AddrState& a) { return (a.flags & IFA_F_SECONDARY) == 0; },
      [](const net::AddrState&) { return true; });
}

std::optional<IpAddress> InterfaceInfo::link_local_v6() const {
  return first_of(
      addresses,
      [](const net::AddrState& a) {
        return a.prefix.address.is_v6() && a.prefix.address.is_link_local() && can_send_from(a);
      },
      [](const net::AddrState& a) { return !is_floatds(a); },
      [](const net::AddrState&) { return true; });
}

bool InterfaceInfo::has_address(const IpPrefix& prefix) const {
  return std::any_of(addresses.begin(), addresses.end(),
                     [&](const net::AddrState& a) { return a.prefix.address == prefix.address; });
}

std::string InterfaceTable::apply(const net::NetlinkEvent& event) {
  return std::visit(
      [this](const auto& e) -> std::string {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, net::LinkState>) {
          if (e.deleted) {
            auto it = by_index_.find(e.ifindex);
            std::string name = it == by_index_.end() ? e.name : it->second.link.name;
            by_index_.erase(e.ifindex);
            forget_name(name, e.ifindex);
            return name;
          }
          auto& link = by_index_[e.ifindex].link;
          if (link.name != e.name) forget_name(link.name, e.ifindex);  // renamed
          link = e;
          by_name_[e.name] = e.ifindex;
          return e.name;
        } else {
          auto it = by_index_.find(e.ifindex);
          if (it == by_index_.end()) return {};
          auto& list = it->second.addresses;
          auto known = std::find_if(list.begin(), list.end(),
                                    [&](const net::AddrState& a) { return a.prefix == e.prefix; });
          if (e.deleted) {
            if (known != list.end()) list.erase(known);
          } else if (known != list.end()) {
            *known = e;  // re-announced: same place, new flags and lifetimes
          } else {
            list.push_back(e);  // new: at the end until a dump gives the kernel's own order
          }
          return it->second.link.name;
        }
      },
      event);
}

const InterfaceInfo* InterfaceTable::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : find(it->second);
}

void InterfaceTable::forget_name(const std::string& name, int ifindex) {
  if (auto it = by_name_.find(name); it != by_name_.end() && it->second == ifindex) {
    by_name_.erase(it);
  }
}

const InterfaceInfo* InterfaceTable::find(int ifindex) const {
  auto it = by_index_.find(ifindex);
  return it == by_index_.end() ? nullptr : &it->second;
}

}  // namespace floatd::daemon
