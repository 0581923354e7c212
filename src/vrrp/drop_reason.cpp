// Names and log texts for each DropReason (rfc-checklist RX-1..RX-17).
#include "vrrp/drop_reason.hpp"

#include <numeric>

namespace floatd::vrrp {

namespace {

struct ReasonInfo {
  std::string_view name;  // stable: counters, JSON keys
  std::string_view text;  // the log sentence
};

// A switch, not a table, so that -Wswitch flags a reason added without a name.
ReasonInfo info(DropReason r) {
  switch (r) {
    case DropReason::kBadTtl:
      return {"bad_ttl", "TTL/hop limit is not 255"};
    case DropReason::kTooShort:
      return {"too_short", "shorter than the VRRP header"};
    case DropReason::kBadVersion:
      return {"bad_version", "version is not 2 or 3, or v2 over IPv6"};
    case DropReason::kBadType:
      return {"bad_type", "type is not 1 (ADVERTISEMENT)"};
    case DropReason::kZeroCount:
      return {"zero_count", "address count is 0"};
    case DropReason::kLengthMismatch:
      return {"length_mismatch", "length does not match the address count"};
    case DropReason::kBadChecksum:
      return {"bad_checksum", "checksum is wrong"};
    case DropReason::kZeroInterval:
      return {"zero_interval", "Max Adver Int is 0"};
    case DropReason::kUnknownVrid:
      return {"unknown_vrid", "no instance for this VRID on this interface and family"};
    case DropReason::kVersionMismatch:
      return {"version_mismatch", "VRRP version differs from the configured one"};
    case DropReason::kChecksumForm:
      return {"checksum_form",
              "checksum is valid only in the other IPv4 form (check v3_checksum_as_v2 / "
              "checksum-with-ipv4-pseudoheader on the peer)"};
    case DropReason::kIntervalMismatch:
      return {"interval_mismatch", "v2 advertisement interval differs from ours"};
    case DropReason::kAuthMismatch:
      return {"auth_mismatch", "v2 authentication type or password differs from ours"};
    case DropReason::kNotPeer:
      return {"not_peer", "source is not a configured unicast peer"};
    case DropReason::kStranger:
      return {"stranger", "source is not a known peer (strict_peers)"};
    case DropReason::kAddressList:
      return {"address_list", "address list differs from ours (strict_peers)"};
    case DropReason::kAuthTruncated:
      return {"auth_truncated", "heartbeat trailer missing or truncated"};
    case DropReason::kAuthForged:
      return {"auth_forged", "heartbeat HMAC does not verify (forged or wrong key)"};
    case DropReason::kAuthReplayed:
      return {"auth_replayed", "heartbeat sequence number is not newer than the last (replay)"};
    case DropReason::kV2Shadowed:
      return {"v2_shadowed",
              "v2 advert ignored: its sender also sends v3 (RFC 5798 8.4.2, v2_compat)"};
    case DropReason::kCount:
      break;
  }
  return {"unknown", "unknown drop reason"};
}

}  // namespace

std::string_view drop_reason_name(DropReason r) { return info(r).name; }

std::string_view drop_reason_text(DropReason r) { return info(r).text; }

std::uint64_t DropCounters::total() const {
  return std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
}

}  // namespace floatd::vrrp
