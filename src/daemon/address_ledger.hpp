// AddressLedger: which addresses in the kernel are floatd's, so that floatd removes only what
// it added (issue 10, defect 3: an admin's or an owner's static address equal to a VIP must
// survive Backup, Fault and stop).
//
// Two witnesses. The kernel's: every address floatd creates carries IFA_PROTO
// kFloatdAddrProto, visible in the interface table. Our own: a record of each add that
// created an address (not one that found it there). The record covers the moment between an
// add and the kernel's notice of it, and kernels that do not keep IFA_PROTO (before 5.18).
// Once the table has shown one of our marks, the kernel keeps them, and for an address the
// table knows the mark decides: an address deleted and re-added by hand is no longer ours.
// Pure: no kernel, no clock.
#pragma once

#include <set>
#include <utility>

#include "daemon/interface_table.hpp"
#include "floatd/ip_address.hpp"
#include "net/kernel.hpp"

namespace floatd::daemon {

class AddressLedger {
 public:
  // An add on `ifindex` created `address`.
  void created(int ifindex, const IpAddress& address) { record_.insert({ifindex, address}); }
  // It was removed (or found gone).
  void removed(int ifindex, const IpAddress& address) { record_.erase({ifindex, address}); }

  // Is `address` on `ifindex` floatd's? `table` is the kernel's view.
  bool owns(const InterfaceTable& table, int ifindex, const IpAddress& address) const {
    if (const net::AddrState* a = find(table, ifindex, address)) return owns(*a);
    return record_.count({ifindex, address}) != 0;
  }
  // The same for an address the table holds (no search: the reconciler's sweep asks this of
  // every address on a device).
  bool owns(const net::AddrState& a) const {
    if (a.proto == net::kFloatdAddrProto) return true;
    if (marks_seen_) return false;  // the kernel keeps marks, and this one has none
    return record_.count({a.ifindex, a.prefix.address}) != 0;
  }

  // After the table changed: learns whether the kernel keeps marks, and forgets the record of
  // interfaces that are gone (their addresses went with them).
  void observe(const InterfaceTable& table) {
    for (const auto& [index, info] : table.interfaces()) {
      if (marks_seen_) break;  // learnt once: no scan of every address per netlink batch
      for (const auto& a : info.addresses) marks_seen_ |= a.proto == net::kFloatdAddrProto;
    }
    std::erase_if(record_, [&](const auto& entry) { return table.find(entry.first) == nullptr; });
  }

  std::size_t recorded() const { return record_.size(); }

 private:
  static const net::AddrState* find(const InterfaceTable& table, int ifindex,
                                    const IpAddress& address) {
    const InterfaceInfo* info = table.find(ifindex);
    if (info == nullptr) return nullptr;
    for (const auto& a : info->addresses) {
      if (a.prefix.address == address) return &a;
    }
    return nullptr;
  }

  std::set<std::pair<int, IpAddress>> record_;
  bool marks_seen_ = false;
};

}  // namespace floatd::daemon
