// The seal on an authenticated heartbeat advert (issue 11, `heartbeat_key`): a VRRP message
// sent over a heartbeat path carries a 40-byte trailer, an 8-byte big-endian sequence number
// and an HMAC-SHA256 over the IP addresses, the message and that number:
//
//   message || seq || HMAC(key, src address bytes || dst address bytes || message || seq)
//
// The digest binds the advert to the addresses it was sent between, so one captured on one
// path cannot be replayed from another source or to another node; the sequence number, checked
// per peer by ReplayGuard, stops replays of a captured advert on the same path. The receiver
// unseals (verifies the digest) before anything else reads the message, and consults the
// ReplayGuard only for a sealed advert that verified, so a forgery cannot move the guard.
//
// Pure: the keyed hash is behind Hmac (net/hmac_sha256.hpp implements it over libcrypto; tests
// fake it) and the sender's start time comes in from the caller.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/result.hpp"
#include "vrrp/drop_reason.hpp"

namespace floatd::vrrp {

inline constexpr std::size_t kSeqBytes = 8;
inline constexpr std::size_t kDigestBytes = 32;  // SHA-256
inline constexpr std::size_t kTrailerBytes = kSeqBytes + kDigestBytes;

using Digest = std::array<std::uint8_t, kDigestBytes>;

// The keyed hash: HMAC-SHA256 with the instance's heartbeat key.
class Hmac {
 public:
  virtual ~Hmac() = default;
  virtual Result<Digest> digest(std::span<const std::uint8_t> data) const = 0;
};

// message || seq (big-endian) || digest. src and dst are the IP addresses the packet will carry.
// Fails only when the digest does (the error is Hmac's).
Result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> message, const IpAddress& src,
                                       const IpAddress& dst, std::uint64_t seq, const Hmac& hmac);

struct Unsealed {
  std::span<const std::uint8_t> message;  // into the payload given to unseal(): the VRRP message
  std::uint64_t seq = 0;
};

// Splits a received payload and verifies its digest against the packet's src and dst.
// kAuthTruncated: shorter than the trailer plus an 8-byte VRRP header (an unsealed advert from
// a peer without the key lands here or in kAuthForged). kAuthForged: the digest differs
// (compared in constant time) or could not be computed. Nothing else is checked: the message
// goes on to decode(), the seq to ReplayGuard.
Result<Unsealed, DropReason> unseal(std::span<const std::uint8_t> payload, const IpAddress& src,
                                    const IpAddress& dst, const Hmac& hmac);

// The last sequence number accepted from each peer. Feed it only adverts that unsealed.
class ReplayGuard {
 public:
  // True, and remembered, when seq is greater than the last accepted from this peer (the first
  // from a peer is accepted); false (kAuthReplayed) otherwise.
  bool accept(const IpAddress& peer, std::uint64_t seq);
  // Forgets every peer: on a key change, when every sender starts afresh anyway.
  void clear() { last_.clear(); }

 private:
  std::map<IpAddress, std::uint64_t> last_;
};

// Sequence numbers that keep rising across restarts without state on disk:
// (epoch << 32) | counter, where epoch is the wall-clock second the sender started (given by
// the caller) and the counter starts at 1. A peer's ReplayGuard then accepts a restarted
// sender at once, provided that:
//  - the restart is at least one second later than the previous start (a quicker one reuses
//    the epoch, and its adverts are dropped as replays until the counter passes the old one);
//  - the clock was not stepped back across the restart. If it was, the peer drops this
//    sender's adverts on that path until the wall clock catches up with the old epoch, or
//    until the peer itself restarts. The other paths (and the unauthenticated primary
//    interface) still carry the heartbeat meanwhile.
// Past 2^32 adverts the counter carries into the epoch half; the numbers still rise, and stay
// below a later start's, which has gained far more than one second by then.
class SequenceCounter {
 public:
  explicit SequenceCounter(std::uint32_t epoch)
      : next_((static_cast<std::uint64_t>(epoch) << 32) | 1u) {}
  std::uint64_t next() { return next_++; }

 private:
  std::uint64_t next_;
};

}  // namespace floatd::vrrp
