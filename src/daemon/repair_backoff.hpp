// Backoff: when to try again to repair something whose repair failed: an address (the
// reconciler's RepairBackoff) or a VMAC (the daemon's). Exponential per key (kFirst, doubling,
// at most kMax), kept as data with deadlines so that the caller asks "is it due?" and arms one
// timer at next_deadline(). Pure: the time comes in.
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

template <typename Key>
class Backoff {
 public:
  static constexpr Microseconds kFirst{250'000};
  static constexpr Microseconds kMax{8'000'000};

  struct Entry {
    int failures = 0;
    MonoTime retry_at{};
    std::string error;  // the last one
  };

  bool due(const Key& key, MonoTime now) const {
    auto it = entries_.find(key);
    return it == entries_.end() || it->second.retry_at <= now;
  }
  // A try failed at `now`: the next one waits kFirst, 2 kFirst, 4 kFirst ... kMax.
  void failed(const Key& key, std::string error, MonoTime now) {
    Entry& e = entries_[key];
    ++e.failures;
    Microseconds wait = kFirst;
    for (int i = 1; i < e.failures && wait < kMax; ++i) wait *= 2;
    e.retry_at = now + std::min(wait, kMax);
    e.error = std::move(error);
  }
  void succeeded(const Key& key) { entries_.erase(key); }
  // Forget the keys for which forget(key) holds: they are due at once.
  template <typename Forget>
  void forget_if(Forget&& forget) {
    std::erase_if(entries_, [&](const auto& kv) { return forget(kv.first); });
  }
  // Forget the keys no longer in question (for addresses: wanted nor extra).
  template <typename Keep>
  void keep_only(Keep&& keep) {
    std::erase_if(entries_, [&](const auto& kv) { return !keep(kv.first); });
  }

  const Entry* find(const Key& key) const {
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
  std::map<Key, Entry> entries_;
};

using RepairBackoff = Backoff<AddressKey>;

}  // namespace floatd::daemon
