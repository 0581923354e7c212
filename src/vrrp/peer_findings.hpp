// PeerFindings: what a router learns about the other routers of its virtual router from their
// adverts, that the RFCs ask it to log but not to act on.
//
// rx_check finds, per advert, what is wrong with it without dropping it (RX-8, RX-11, RX-12,
// RX-14). Two more findings need memory across adverts: several routers claiming to own the
// addresses (MODE-6: priority 255 from more than one source, RFC 9568 §6.1) and a peer with our
// own priority (MODE-6's MAY: the tie is then broken by address, RFC 5798 §6.4.3). Every one of
// them repeats with each advert, once a second or faster; the log wants it once, when it begins
// or changes (a new interval from the same source), and again only after it has been quiet
// for kForgetAfter. Findings are kept per kind and source, so two peers do not take turns. Counting each advert is the caller's job.
//
// Pure: adverts and the time in, the findings to log out.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/time.hpp"
#include "floatd/types.hpp"

namespace floatd::vrrp {

enum class FindingKind : std::uint8_t {
  kIntervalMismatch,   // RX-11: a v3 peer advertises another interval (learnt, not ours)
  kAddressMismatch,    // RX-14: its address list is not ours
  kFirstNotLinkLocal,  // RX-12: an IPv6 advert whose first address is not link-local
  kOwnerHeardAdvert,   // RX-8 (RFC 9568 EID 8298): we own the addresses and hear another router
  kSeveralOwners,      // MODE-6: priority 255 from two sources within kForgetAfter
  kEqualPriority,      // MODE-6 (MAY): a peer with our priority; the higher address wins
};
inline constexpr std::size_t kFindingKinds = 6;

struct Finding {
  FindingKind kind;
  IpAddress source;                // the advert's sender
  std::optional<IpAddress> other;  // kSeveralOwners: the other router claiming 255
  std::uint32_t value = 0;         // kIntervalMismatch: its interval (cs); kEqualPriority,
                                   // kOwnerHeardAdvert: its priority
  bool operator==(const Finding&) const = default;
};

struct Observed {
  Finding finding;
  bool log = false;  // new or changed: write it to the log now
};

// One accepted advert as the finder sees it. `warnings` are rx_check's (vrrp::Warning bits).
struct AdvertSeen {
  IpAddress source;
  Priority priority = 0;
  Centiseconds interval{0};
  std::uint32_t warnings = 0;
};

// One advert's findings: each kind at most once, so a fixed array (no allocation per advert).
class Observations {
 public:
  void push_back(const Observed& o) { items_[size_++] = o; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Observed& operator[](std::size_t i) const { return items_[i]; }
  const Observed* begin() const { return items_.data(); }
  const Observed* end() const { return items_.data() + size_; }

 private:
  std::array<Observed, kFindingKinds> items_{};
  std::size_t size_ = 0;
};

class PeerFindings {
 public:
  static constexpr Microseconds kForgetAfter{60'000'000};

  // Every finding of this advert, each marked `log` when it is new, changed, or was quiet for
  // kForgetAfter. `ours` is this router's effective priority at the time.
  Observations observe(const AdvertSeen& advert, Priority ours, MonoTime now);

 private:
  struct Reported {
    Finding last;     // what was logged for this kind and source
    MonoTime seen{};  // when it was last observed
  };
  struct OwnerSighting {
    IpAddress source;
    MonoTime seen{};
  };

  bool report(const Finding& f, MonoTime now);
  std::optional<IpAddress> other_owner(const IpAddress& source, MonoTime now);

  std::vector<Reported> reported_;     // one per kind and source, at most kMaxReported
  std::vector<OwnerSighting> owners_;  // 255 sources heard within kForgetAfter, at most a few
};

// "advert interval mismatch: 192.0.2.2 sends 200 cs" and so on: one line per finding, for the
// log. `ours_interval` is this router's configured interval, quoted in the mismatch line.
std::string describe(const Finding& f, Centiseconds ours_interval);

// "interval_mismatch", "several_owners", ...: the name in status, metrics and floatctl(8).
const char* finding_name(FindingKind kind);

}  // namespace floatd::vrrp
