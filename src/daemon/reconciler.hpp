// The reconciler: makes the kernel hold what floatd wants, whatever happened in between (an
// add that failed, a VIP deleted by hand, a VMAC deleted and made again, netlink events lost
// to an overrun). Level, not edge: the daemon runs it after every netlink batch (the overrun's
// re-dump included) and at next_deadline(), at least every kPeriod; events only make it
// sooner. It plans with reconcile_plan.hpp (pure), acts through Ports (a repaired VIP is
// announced, as a new Master's are), retries failures with backoff, and writes each
// instance's difference into its KernelReport (floatctl status, metrics). Log lines are
// rate-limited. The takeover's fast path does not go through here: a new Master adds and
// announces its VIPs itself; this only checks afterwards.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/address_ledger.hpp"
#include "daemon/instance.hpp"
#include "daemon/interface_table.hpp"
#include "daemon/ports.hpp"
#include "daemon/reconcile_plan.hpp"
#include "daemon/repair_backoff.hpp"
#include "floatd/log.hpp"

namespace floatd::daemon {

class Reconciler {
 public:
  static constexpr Microseconds kPeriod{5'000'000};

  // `between` runs after each repair (a netlink round trip, a gratuitous ARP or two): the
  // daemon's yield point, so that 250 VIPs deleted by hand and put back do not hold every
  // Master's advert for the whole batch (issue 15). It must not change what the instances
  // want; the daemon's sends only Masters' due adverts.
  Reconciler(Ports& ports, Log& log, std::function<void()> between = {})
      : ports_(ports), log_(log), between_(std::move(between)) {}

  // Compares and repairs. `ledger` learns from `table` first (address_ledger.hpp).
  // `devices`: a partial run after a netlink batch, over these devices only, with every
  // instance holding addresses on them (InterfaceUsers::reconcile_scope); nullptr: everything.
  // A partial run does not put off the periodic full one.
  void run(const std::vector<Instance*>& instances, const InterfaceTable& table,
           AddressLedger& ledger, MonoTime now, const std::set<std::string>* devices = nullptr);
  // The next retry, else kPeriod after the last full run.
  MonoTime next_deadline() const;
  std::uint64_t repairs() const { return repairs_; }

 private:
  void apply(const Repair& repair, Instance* owner, MonoTime now);
  void report(const Plan& plan, const std::vector<Instance*>& instances, MonoTime now);
  void say(LogLevel level, const std::string& line, MonoTime now);

  Ports& ports_;
  Log& log_;
  std::function<void()> between_;
  RepairBackoff backoff_;
  std::map<std::string, int> ifindex_;  // each device's ifindex at the last run
  MonoTime last_run_{};
  std::uint64_t repairs_ = 0;
  RateLimiter log_limit_{10, std::chrono::seconds{10}};
};

}  // namespace floatd::daemon
