// RepairBackoff: when to try again to repair an address whose repair failed. Exponential per
// address (kFirst, doubling, at most kMax), kept as data with deadlines so that the reconciler
// asks "is it due?" and arms one timer at next_deadline(). Pure: the time comes in.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "floatd/ip_address.hpp"
#include "floatd/time.hpp"

namespace floatd::daemon {

// An address on a device: what the reconciler wants or finds.
struct AddressKey {
  std::string dev;
  IpAddress address;
  friend auto operator<=>(const AddressKey&, const AddressKey&) = default;
  friend bool operator==(const AddressKey&, const AddressKey&) = default;
};

class RepairBackoff {
 public:
  static constexpr Microseconds kFirst{250'000};
  static constexpr Microseconds kMax{8'000'000};

  struct Entry {
    int failures = 0;
    MonoTime retry_at{};
    std::string error;  // the last one
  };

  bool due(const AddressKey& key, MonoTime now) const {
    auto it = entries_.find(key);
    return it == entries_.end() || it->second.retry_at <= now;
  }
  // A try failed at `now`: the next one waits kFirst, 2 kFirst, 4 kFirst ... kMax.
  void failed(const AddressKey& key, std::string error, MonoTime now) {
    Entry& e = entries_[key];
    ++e.failures;
    Microseconds wait = kFirst;
    for (int i = 1; i < e.failures && wait < kMax; ++i) wait *= 2;
    e.retry_at = now + std::min(wait, kMax);
    e.error = std::move(error);
  }
  void succeeded(const AddressKey& key) { entries_.erase(key); }
  // A device made again (a new ifindex) is a new chance: its addresses are due at once.
  void forget_device(const std::string& dev) {
    std::erase_if(entries_, [&](const auto& kv) { return kv.first.dev == dev; });
  }
  // Forget addresses no longer in question (wanted nor extra).
  template <typename Keep>
  void keep_only(Keep&& keep) {
    std::erase_if(entries_, [&](const auto& kv) { return !keep(kv.first); });
  }

  const Entry* find(const AddressKey& key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? nullptr : &it->second;
  }
  std::optional<MonoTime> next_deadline() const {
    std::optional<MonoTime> next;
    for (const auto& [key, e] : entries_) {
      if (!next || e.retry_at < *next) next = e.retry_at;
    }
    return next;
  }

 private:
  std::map<AddressKey, Entry> entries_;
};

}  // namespace floatd::daemon
