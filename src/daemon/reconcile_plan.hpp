// The reconciler's plan: floatd's wanted kernel state against the kernel's, and the repairs
// that close the gap (issue 10, defect 6: level, not edge).
//
// Wanted, per instance: its VIPs on their devices while it is Master or still releasing them
// after a handover, nothing otherwise; with use_vmac and IPv6, its parent's link-local on the
// VMAC always (adverts leave the VMAC from it; the parent's link-local may come late, after
// DAD, or change). The kernel: the interface table. The plan: add each wanted address that is
// missing from a device that exists; remove each address that is floatd's (address_ledger.hpp)
// and that nobody wants. An address whose last repair failed waits for its backoff deadline
// (repair_backoff.hpp). PURE: values in, values out; unit-tested with tables and a fake clock.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/instance_config.hpp"
#include "daemon/address_ledger.hpp"
#include "daemon/interface_table.hpp"
#include "daemon/repair_backoff.hpp"

namespace floatd::daemon {

struct WantedAddress {
  std::size_t owner = 0;  // the instance: an index into the caller's list
  std::string dev;
  IpPrefix prefix;
  std::string label;
  int announce = 0;  // GARPs / NAs after a repair (garp_master_repeat); 0: none (link-local)

  AddressKey key() const { return {dev, prefix.address}; }
};

// What instance `owner` (with `config`) wants now; `holds_vips`: Master or releasing.
std::vector<WantedAddress> wanted_addresses(std::size_t owner, const config::InstanceConfig& config,
                                            bool holds_vips, const InterfaceTable& table);
// Every address instance `owner` may ever hold (to say whose an unwanted address is).
std::vector<WantedAddress> configured_addresses(std::size_t owner,
                                                const config::InstanceConfig& config,
                                                const InterfaceTable& table);

enum class RepairKind : std::uint8_t { kAdd, kRemove };

struct Repair {
  RepairKind kind = RepairKind::kAdd;
  std::optional<std::size_t> owner;  // whose it is; none: an address of ours nobody configures
  std::string dev;
  IpPrefix prefix;
  std::string label;
  int announce = 0;

  AddressKey key() const { return {dev, prefix.address}; }
};

// One instance's difference from the kernel.
struct Difference {
  std::vector<AddressKey> missing;  // wanted, not on its device (or the device is gone)
  std::vector<AddressKey> extra;    // floatd's, on a device, wanted by nobody
};

struct Plan {
  std::vector<Repair> repairs;        // due now, in order: removals first, then adds
  std::vector<Difference> per_owner;  // indexed by owner (sized to the largest owner + 1)
  std::vector<AddressKey> stray;      // extras that no instance configures
};

// `devices`: sweep only these devices' addresses for extras (nullptr: every device). The
// caller then passes every instance that wants or configures an address on them
// (interface_users.hpp), or a wanted address elsewhere would look unwanted.
Plan plan_repairs(const std::vector<WantedAddress>& wanted,
                  const std::vector<WantedAddress>& configured, const InterfaceTable& table,
                  const AddressLedger& ledger, const RepairBackoff& backoff, MonoTime now,
                  const std::set<std::string>* devices = nullptr);

}  // namespace floatd::daemon
