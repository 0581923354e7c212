// Why an advert was dropped: one enum value per receive check, each mapped to a stable
// counter name (status, metrics, JSON) and a sentence for the log.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace floatd::vrrp {

enum class DropReason : std::uint8_t {
  // Decided by the bytes and the IP layer (packet.hpp decode()).
  kBadTtl,            // RX-1: TTL / hop limit is not 255
  kTooShort,          // RX-4: shorter than the fixed header
  kBadVersion,        // RX-2: version nibble is neither 2 nor 3 (or v2 over IPv6)
  kBadType,           // RX-3: type is not 1 (ADVERTISEMENT)
  kZeroCount,         // RX-5, PKT-5: Count IPvX Addr is 0
  kLengthMismatch,    // RX-4: length differs from what Count implies (truncated, oversized)
  kBadChecksum,       // RX-6: checksum wrong in every form
  kZeroInterval,      // RX-10: v3 Max Adver Int is 0
  // Decided against the receiving instance (rx_check.hpp, or the daemon).
  kUnknownVrid,       // RX-7: no instance for this VRID on this interface and family
  kVersionMismatch,   // RX-2: not the instance's configured version
  kChecksumForm,      // CK-3: v3/IPv4 checksum valid only in the form this instance does not use
  kIntervalMismatch,  // RX-9: v2 Adver Int differs from ours
  kAuthMismatch,      // RX-13: v2 auth type or password differs from ours
  kNotPeer,           // RX-17: unicast mode, source is not a configured unicast_peer
  kStranger,          // strict_peers: source is none of the known peers (issue 11)
  kAddressList,       // strict_peers: RX-14 address list differs from ours, dropped not warned
  // Decided by the heartbeat trailer of an authenticated path (heartbeat_seal.hpp).
  kAuthTruncated,     // shorter than the trailer plus a VRRP header
  kAuthForged,        // HMAC does not verify: forged, altered, or another key
  kAuthReplayed,      // sequence number not newer than the last accepted from that peer
  // Not an error: v2_compat's copy (RFC 5798 / RFC 9568 §8.4.2, IOP-3).
  kV2Shadowed,        // a v2 advert from a router whose v3 adverts we hear: the v3 one counts
  kCount,             // number of reasons, not a reason
};

inline constexpr std::size_t kDropReasonCount = static_cast<std::size_t>(DropReason::kCount);

std::string_view drop_reason_name(DropReason r);  // "bad_ttl": counter and JSON key
std::string_view drop_reason_text(DropReason r);  // "TTL/hop limit is not 255": log text

// Per-reason counters, indexed by DropReason.
struct DropCounters {
  std::array<std::uint64_t, kDropReasonCount> counts{};
  void add(DropReason r) { ++counts[static_cast<std::size_t>(r)]; }
  std::uint64_t operator[](DropReason r) const { return counts[static_cast<std::size_t>(r)]; }
  std::uint64_t total() const;
};

}  // namespace floatd::vrrp
