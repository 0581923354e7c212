#include "daemon/interface_table.hpp"

#include <algorithm>
#include <type_traits>

#include "net/kernel.hpp"

namespace floatd::daemon {

std::optional<IpAddress> InterfaceInfo::primary_v4() const {
  for (const auto& a : addresses) {
    if (a.prefix.address.is_v4() && a.proto != net::kFloatdAddrProto) return a.prefix.address;
  }
  return std::nullopt;
}

std::optional<IpAddress> InterfaceInfo::link_local_v6() const {
  for (const auto& a : addresses) {
    if (a.prefix.address.is_v6() && a.prefix.address.is_link_local()) return a.prefix.address;
  }
  return std::nullopt;
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
            return name;
          }
          by_index_[e.ifindex].link = e;
          return e.name;
        } else {
          auto it = by_index_.find(e.ifindex);
          if (it == by_index_.end()) return {};
          auto& list = it->second.addresses;
          std::erase_if(list, [&](const net::AddrState& a) { return a.prefix == e.prefix; });
          if (!e.deleted) list.push_back(e);
          return it->second.link.name;
        }
      },
      event);
}

const InterfaceInfo* InterfaceTable::find(const std::string& name) const {
  for (const auto& [index, info] : by_index_) {
    if (info.link.name == name) return &info;
  }
  return nullptr;
}

const InterfaceInfo* InterfaceTable::find(int ifindex) const {
  auto it = by_index_.find(ifindex);
  return it == by_index_.end() ? nullptr : &it->second;
}

}  // namespace floatd::daemon
