// Sysctls under /proc/sys/net: the per-interface settings a VMAC needs (rfc-checklist L2-19),
// written so that each change can be undone on exit.
//
// Paths are relative to /proc/sys/net with '/' separators and the interface name as it is,
// dots included ("ipv4/conf/vrrp.51/arp_ignore"). /proc/sys/net shows the caller's network
// namespace. Values are compared and returned without the trailing newline.
#pragma once

#include <string>
#include <vector>

#include "floatd/result.hpp"

namespace floatd::net {

// Reads one value.
Result<std::string, std::string> read_sysctl(const std::string& path_under_proc_sys_net);

// Writes one value and returns the old one so it can be restored on exit.
Result<std::string, std::string> write_sysctl(const std::string& path_under_proc_sys_net,
                                              const std::string& value);

struct SysctlChange {
  std::string path;       // under /proc/sys/net
  std::string old_value;  // what to write back
};

// keepalived's set for a VMAC (L2-19, keepalived/vrrp/vrrp_if_config.c): parent arp_ignore=1,
// arp_filter=1; VMAC arp_ignore=1, accept_local=1, rp_filter=0. The kernel uses
// max(all, iface) for rp_filter, so when all/rp_filter > 0 it is moved out of the way as
// keepalived's clear_rp_filter() does: default and every other interface are first raised to
// at least all's value (their effective filtering is unchanged), then all is set to 0.
// Returns only the values that actually changed, in the order they were written; restore
// them in reverse (restore_sysctls). On failure the changes made so far are undone first.
// With several VMACs on one parent, only the first records the parent's change: restore the
// lists in reverse order of creation and the original values come back.
Result<std::vector<SysctlChange>, std::string> prepare_vmac_sysctls(const std::string& parent,
                                                                    const std::string& vmac);

// RFC 9568 §6.4.3, rfc-checklist L2-7: the kernel sets the Router flag in the NAs it sends
// from a device only when IPv6 forwarding is on for it, so an IPv6 VMAC that floatd created
// gets ipv6/conf/<vmac>/forwarding=1 (the device goes with floatd: nothing to restore but the
// record). Only for the VMAC named: the admin's interfaces keep their setting.
Result<std::vector<SysctlChange>, std::string> make_vmac_ipv6_router(const std::string& vmac);

// Writes the old values back, last change first. A path that no longer exists (a deleted
// VMAC's) is skipped; the first other failure is reported after trying the rest.
Result<Ok, std::string> restore_sysctls(const std::vector<SysctlChange>& changes);

}  // namespace floatd::net
