#include "vrrp/peer_findings.hpp"

#include <algorithm>

#include "vrrp/rx_check.hpp"

namespace floatd::vrrp {
namespace {

constexpr std::size_t kMaxOwnerSightings = 8;  // more than two owners is already the finding
constexpr std::size_t kMaxReported = 64;       // kinds x sources; the oldest goes first

}  // namespace

Observations PeerFindings::observe(const AdvertSeen& advert, Priority ours, MonoTime now) {
  Observations out;
  if (advert.warnings == kWarnNone && advert.priority != kOwnerPriority &&
      advert.priority != ours) {
    return out;  // the usual advert: nothing to find
  }
  std::array<Finding, kFindingKinds> found{};
  std::size_t count = 0;
  auto add = [&](const Finding& f) { found[count++] = f; };
  const IpAddress& src = advert.source;
  if (advert.warnings & kWarnIntervalMismatch) {
    add({FindingKind::kIntervalMismatch, src, std::nullopt,
         static_cast<std::uint32_t>(advert.interval.count())});
  }
  if (advert.warnings & kWarnAddressMismatch) {
    add({FindingKind::kAddressMismatch, src, std::nullopt, 0});
  }
  if (advert.warnings & kWarnFirstNotLinkLocal) {
    add({FindingKind::kFirstNotLinkLocal, src, std::nullopt, 0});
  }
  if (advert.warnings & kWarnOwnerHeardAdvert) {
    add({FindingKind::kOwnerHeardAdvert, src, std::nullopt, advert.priority});
  }
  // MODE-6 (RFC 5798 §6.1, RFC 9568 §6.1): one owner per VRID and link. An owner hearing
  // another advert is RX-8's finding above; a Backup can tell only by remembering sources.
  if (advert.priority == kOwnerPriority && ours != kOwnerPriority) {
    if (auto other = other_owner(src, now)) {
      // The same pair whichever of the two spoke last, so it is logged once, not per advert.
      const IpAddress& low = std::min(src, *other);
      const IpAddress& high = std::max(src, *other);
      add({FindingKind::kSeveralOwners, low, high, kOwnerPriority});
    }
  }
  // MODE-6's MAY: equal priorities leave the election to the primary addresses (§6.4.3).
  if (advert.priority == ours && ours != kOwnerPriority && ours != 0) {
    add({FindingKind::kEqualPriority, src, std::nullopt, advert.priority});
  }

  for (std::size_t i = 0; i < count; ++i) out.push_back({found[i], report(found[i], now)});
  return out;
}

bool PeerFindings::report(const Finding& f, MonoTime now) {
  auto it = std::find_if(reported_.begin(), reported_.end(), [&](const Reported& r) {
    return r.last.kind == f.kind && r.last.source == f.source;
  });
  if (it == reported_.end()) {
    if (reported_.size() == kMaxReported) {
      reported_.erase(std::min_element(reported_.begin(), reported_.end(),
                                       [](const auto& a, const auto& b) { return a.seen < b.seen; }));
    }
    reported_.push_back({f, now});
    return true;
  }
  const bool fresh = it->last != f || now - it->seen >= kForgetAfter;
  it->last = f;
  it->seen = now;
  return fresh;
}

std::optional<IpAddress> PeerFindings::other_owner(const IpAddress& source, MonoTime now) {
  std::erase_if(owners_, [&](const OwnerSighting& o) { return now - o.seen >= kForgetAfter; });
  auto it = std::find_if(owners_.begin(), owners_.end(),
                         [&](const OwnerSighting& o) { return o.source == source; });
  if (it != owners_.end()) {
    it->seen = now;
  } else {
    if (owners_.size() == kMaxOwnerSightings) {
      owners_.erase(std::min_element(owners_.begin(), owners_.end(),
                                     [](const auto& a, const auto& b) { return a.seen < b.seen; }));
    }
    owners_.push_back({source, now});
  }
  for (const OwnerSighting& o : owners_) {
    if (o.source != source) return o.source;
  }
  return std::nullopt;
}

std::string describe(const Finding& f, Centiseconds ours_interval) {
  const std::string src = f.source.to_string();
  switch (f.kind) {
    case FindingKind::kIntervalMismatch:
      return "advert interval mismatch: " + src + " sends " + std::to_string(f.value) +
             " cs, we use " + std::to_string(ours_interval.count()) +
             " cs (a Backup follows its Master's, RFC 5798 6.4.2)";
    case FindingKind::kAddressMismatch:
      return "address list from " + src + " differs from ours";
    case FindingKind::kFirstNotLinkLocal:
      return "IPv6 advert from " + src +
             " does not carry a link-local address first (RFC 9568 7.1); accepted for interop";
    case FindingKind::kOwnerHeardAdvert:
      return "address owner heard an advert from " + src + " priority " +
             std::to_string(f.value) + ": is another router configured as owner?";
    case FindingKind::kSeveralOwners:
      return "several address owners: " + src + " and " + (f.other ? f.other->to_string() : "?") +
             " both advertise priority 255; only one router may own the addresses (RFC 5798 6.1)";
    case FindingKind::kEqualPriority:
      return src + " has our priority " + std::to_string(f.value) +
             ": the higher primary address wins the tie (RFC 5798 6.4.3); give each router its own "
             "priority";
  }
  return "?";
}

const char* finding_name(FindingKind kind) {
  switch (kind) {
    case FindingKind::kIntervalMismatch: return "interval_mismatch";
    case FindingKind::kAddressMismatch: return "address_mismatch";
    case FindingKind::kFirstNotLinkLocal: return "first_not_link_local";
    case FindingKind::kOwnerHeardAdvert: return "owner_heard_advert";
    case FindingKind::kSeveralOwners: return "several_owners";
    case FindingKind::kEqualPriority: return "equal_priority";
  }
  return "?";
}

}  // namespace floatd::vrrp
