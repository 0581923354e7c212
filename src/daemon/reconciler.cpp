#include "daemon/reconciler.hpp"

#include <algorithm>

namespace floatd::daemon {
namespace {

std::string text(const AddressKey& key) { return key.address.to_string() + " on " + key.dev; }

}  // namespace

void Reconciler::run(const std::vector<Instance*>& instances, const InterfaceTable& table,
                     AddressLedger& ledger, MonoTime now, const std::set<std::string>* devices) {
  if (devices == nullptr) last_run_ = now;
  ledger.observe(table);
  std::map<std::string, int> ifindex;
  for (const auto& [index, info] : table.interfaces()) ifindex[info.link.name] = index;
  for (const auto& [dev, index] : ifindex) {
    if (auto it = ifindex_.find(dev); it == ifindex_.end() || it->second != index) {
      // Made again since: try its addresses at once.
      backoff_.forget_if([&](const AddressKey& key) { return key.dev == dev; });
    }
  }
  ifindex_ = std::move(ifindex);
  std::vector<WantedAddress> wanted;
  std::vector<WantedAddress> configured;
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const Instance& in = *instances[i];
    auto w = wanted_addresses(i, in.config(), in.holds_vips(), table);
    wanted.insert(wanted.end(), w.begin(), w.end());
    auto c = configured_addresses(i, in.config(), table);
    configured.insert(configured.end(), c.begin(), c.end());
  }
  const Plan plan = plan_repairs(wanted, configured, table, ledger, backoff_, now, devices);
  for (const auto& repair : plan.repairs) {
    apply(repair, repair.owner ? instances[*repair.owner] : nullptr, now);
    if (between_) between_();
  }
  // Backoff only for what is still in question.
  backoff_.keep_only([&](const AddressKey& key) {
    if (devices != nullptr && devices->count(key.dev) == 0) return true;  // not looked at
    for (const auto& d : plan.per_owner) {
      if (std::count(d.missing.begin(), d.missing.end(), key) != 0) return true;
      if (std::count(d.extra.begin(), d.extra.end(), key) != 0) return true;
    }
    return std::count(plan.stray.begin(), plan.stray.end(), key) != 0;
  });
  report(plan, instances, now);
}

void Reconciler::apply(const Repair& r, Instance* owner, MonoTime now) {
  const std::string who = owner ? owner->log_prefix() : std::string("floatd");
  const AddressKey key = r.key();
  std::string error;
  if (r.kind == RepairKind::kAdd) {
    auto added = ports_.add_address(r.dev, r.prefix, r.label);
    if (added && *added == AddOutcome::kCreated) {
      ++repairs_;
      if (owner) {
        ++owner->kernel_report().repairs;
        if (r.announce > 0) owner->count_restored();
      }
      say(LogLevel::kWarning, who + ": added missing " + r.prefix.to_string() + " on " + r.dev +
                                  " (repair)", now);
      for (int i = 0; i < r.announce; ++i) {  // as a new Master does (SM-5, L2-10)
        if (auto a = ports_.announce(r.dev, r.prefix.address); !a) error = a.error();
      }
    } else if (!added) {
      error = added.error();
    }
  } else {
    auto removed = ports_.remove_address(r.dev, r.prefix);
    if (removed && *removed == RemoveOutcome::kRemoved) {
      ++repairs_;
      if (owner) ++owner->kernel_report().repairs;
      say(LogLevel::kNotice, who + ": removed " + r.prefix.to_string() + " from " + r.dev +
                                 " (floatd's, wanted by nobody)", now);
    } else if (!removed) {
      error = removed.error();
    }
  }
  if (error.empty()) {
    backoff_.succeeded(key);
    return;
  }
  backoff_.failed(key, error, now);
  if (owner) owner->kernel_report().last_error = error;
  const auto* e = backoff_.find(key);
  const auto retry_ms = std::chrono::duration_cast<std::chrono::milliseconds>(e->retry_at - now);
  say(LogLevel::kWarning, who + ": cannot repair " + text(key) + ": " + error + "; retry in " +
                              std::to_string(retry_ms.count()) + " ms", now);
}

void Reconciler::report(const Plan& plan, const std::vector<Instance*>& instances, MonoTime now) {
  for (std::size_t i = 0; i < instances.size(); ++i) {
    KernelReport& k = instances[i]->kernel_report();
    k.missing.clear();
    k.extra.clear();
    k.failing.clear();
    if (i >= plan.per_owner.size()) continue;
    const Difference& d = plan.per_owner[i];
    for (const auto& key : d.missing) k.missing.push_back(text(key));
    for (const auto& key : d.extra) k.extra.push_back(text(key));
    for (const auto* list : {&d.missing, &d.extra}) {
      for (const auto& key : *list) {
        const auto* e = backoff_.find(key);
        if (e == nullptr) continue;
        k.failing.push_back({text(key), e->error, e->failures,
                             std::max(Microseconds{0}, std::chrono::duration_cast<Microseconds>(
                                                           e->retry_at - now))});
      }
    }
  }
}

MonoTime Reconciler::next_deadline() const {
  MonoTime next = last_run_ + kPeriod;
  if (auto retry = backoff_.next_deadline(); retry && *retry < next) next = *retry;
  return next;
}

void Reconciler::say(LogLevel level, const std::string& line, MonoTime now) {
  if (auto suppressed = log_limit_.allow(now)) {
    log_.write(level, *suppressed > 0
                          ? line + " (" + std::to_string(*suppressed) + " similar suppressed)"
                          : line);
  }
}

}  // namespace floatd::daemon
