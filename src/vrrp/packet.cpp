// VRRP advertisement encode/decode (RFC 3768 §5.3, RFC 5798 §5.2, RFC 9568 §5.2, §7.1).
#include "vrrp/packet.hpp"

#include <algorithm>
#include <optional>

#include "vrrp/checksum.hpp"

namespace floatd::vrrp {

namespace {

constexpr std::size_t kChecksumOffset = 6;
constexpr std::size_t kMaxCount = 255;   // Count IPvX Addr is one octet
constexpr std::uint8_t kHopLimit = 255;  // RFC 5798 §5.1.1.3, §5.1.2.3

std::size_t address_size(Family f) { return f == Family::kIPv4 ? 4 : 16; }

// RFC 5798 §5.2 (PKT-2): 8 + N * addrlen. RFC 3768 §5.3 (PKT-3): 8 + 4N + 8 octets of auth.
std::size_t expected_length(int version, Family f, std::size_t count) {
  const std::size_t body = kV3HeaderSize + count * address_size(f);
  return version == 2 ? body + kV2AuthSize : body;
}

// Which checksum covers the message: v2 never a pseudo-header (CK-1), v3/IPv6 always (CK-2),
// v3/IPv4 as configured (CK-3).
bool uses_pseudo_header(int version, Family f, ChecksumForm form) {
  if (version == 2) return false;
  if (f == Family::kIPv6) return true;
  return form == ChecksumForm::kPseudoHeader;
}

InternetChecksum message_sum(std::span<const std::uint8_t> message, const IpAddress& src,
                             const IpAddress& dst, bool pseudo) {
  InternetChecksum c;
  if (pseudo) c = pseudo_header(src, dst, message.size(), kIpProtoVrrp);
  c.add(message);
  return c;
}

// A pseudo-header needs src and dst of one family; anything else cannot verify.
bool checksum_ok(std::span<const std::uint8_t> message, const PacketInfo& info, bool pseudo) {
  if (pseudo && info.src.family() != info.dst.family()) return false;
  return message_sum(message, info.src, info.dst, pseudo).verifies();
}

std::uint16_t v3_interval_field(Centiseconds interval) {
  const auto cs = std::clamp<std::int64_t>(interval.count(), 0, kMaxV3IntervalCs);
  return static_cast<std::uint16_t>(cs);  // Rsvd (top 4 bits) stays zero: PKT-4
}

// The checks decided by the fixed header alone (RX-1..RX-5), in the checklist's order.
std::optional<DropReason> check_header(std::span<const std::uint8_t> bytes,
                                       const PacketInfo& info) {
  if (info.hop_limit != kHopLimit) return DropReason::kBadTtl;  // RX-1
  if (bytes.size() < kV3HeaderSize) return DropReason::kTooShort;
  const int version = bytes[0] >> 4;
  if ((version != 2 && version != 3) || (version == 2 && info.src.is_v6())) {
    return DropReason::kBadVersion;  // RX-2, GEN-9
  }
  if ((bytes[0] & 0x0f) != kAdvertType) return DropReason::kBadType;  // RX-3
  const std::size_t count = bytes[3];
  if (count == 0) return DropReason::kZeroCount;  // RX-5, EID 8299
  // RX-4: exact size. Also catches CARP (0x21 like v2, but longer) and the wrong address size.
  if (bytes.size() != expected_length(version, info.src.family(), count)) {
    return DropReason::kLengthMismatch;
  }
  return std::nullopt;
}

// Both IPv4 forms are computed for v3 so that rx_check can tell a bad checksum from a peer
// configured with the other form (CK-3, CK-5).
void verify_checksum(std::span<const std::uint8_t> bytes, const PacketInfo& info, Decoded& d) {
  const int version = bytes[0] >> 4;
  const Family f = info.src.family();
  if (version == 3 && f == Family::kIPv4) {
    d.checksum_pseudo_header = checksum_ok(bytes, info, true);  // CK-3a, CK-4
    d.checksum_message_only = checksum_ok(bytes, info, false);  // CK-3b
  } else {
    d.checksum_pseudo_header =
        checksum_ok(bytes, info, uses_pseudo_header(version, f, ChecksumForm::kPseudoHeader));
  }
}

// Into the caller's Advert (Decoded's): the address list is filled in place, no copy.
void parse_fields(std::span<const std::uint8_t> bytes, Family f, Advert& a) {
  a.version = (bytes[0] >> 4) == 2 ? Version::kV2 : Version::kV3;
  a.vrid = bytes[1];
  a.priority = bytes[2];
  const std::size_t count = bytes[3];
  if (a.version == Version::kV3) {
    a.interval = Centiseconds{((bytes[4] & 0x0f) << 8) | bytes[5]};  // Rsvd ignored: PKT-4
  } else {
    a.auth_type = bytes[4];
    a.interval = Centiseconds{bytes[5] * 100};  // RFC 3768 §5.3.7: seconds
    const auto auth = bytes.last(kV2AuthSize);
    std::copy(auth.begin(), auth.end(), a.auth_data.begin());
  }
  const std::size_t size = address_size(f);
  for (std::size_t i = 0; i < count; ++i) {
    a.addresses.push_back(*IpAddress::from_bytes(bytes.subspan(kV3HeaderSize + i * size, size)));
  }
}

}  // namespace

IpAddress multicast_group(Family f) {
  if (f == Family::kIPv4) return IpAddress::v4({224, 0, 0, 18});
  return IpAddress::v6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
}

std::uint8_t v2_interval_seconds(Centiseconds interval) {
  return static_cast<std::uint8_t>(std::clamp<std::int64_t>(interval.count() / 100, 1, 255));
}

// RFC 5798 §5.2 / RFC 3768 §5.3; addresses of another family than src are skipped (PKT-6) and
// at most 255 are carried, so Count always matches the addresses written.
std::vector<std::uint8_t> encode(const Advert& advert, const IpAddress& src, const IpAddress& dst,
                                 ChecksumForm form) {
  const int version = advert.version == Version::kV2 ? 2 : 3;
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>((version << 4) | kAdvertType),
                                advert.vrid, advert.priority, 0};
  if (version == 3) {
    const std::uint16_t field = v3_interval_field(advert.interval);
    out.insert(out.end(),
               {static_cast<std::uint8_t>(field >> 8), static_cast<std::uint8_t>(field)});
  } else {
    out.insert(out.end(), {advert.auth_type, v2_interval_seconds(advert.interval)});
  }
  out.insert(out.end(), {0, 0});  // checksum, filled below
  std::size_t count = 0;
  for (const IpAddress& a : advert.addresses) {
    if (a.family() != src.family() || count == kMaxCount) continue;
    out.insert(out.end(), a.bytes().begin(), a.bytes().end());
    ++count;
  }
  out[3] = static_cast<std::uint8_t>(count);
  if (version == 2) {  // PKT-8: zero unless keepalived-style PASS
    const bool pass = advert.auth_type == kV2AuthPass;
    for (const std::uint8_t b : advert.auth_data) out.push_back(pass ? b : 0);
  }
  const std::uint16_t ck =
      message_sum(out, src, dst, uses_pseudo_header(version, src.family(), form)).checksum();
  out[kChecksumOffset] = static_cast<std::uint8_t>(ck >> 8);
  out[kChecksumOffset + 1] = static_cast<std::uint8_t>(ck);
  return out;
}

Result<Decoded, DropReason> decode(std::span<const std::uint8_t> bytes, const PacketInfo& info) {
  if (const auto reason = check_header(bytes, info)) return fail(*reason);
  Decoded d;
  verify_checksum(bytes, info, d);
  if (!d.checksum_pseudo_header && !d.checksum_message_only) {
    return fail(DropReason::kBadChecksum);  // RX-6
  }
  parse_fields(bytes, info.src.family(), d.advert);
  if (d.advert.version == Version::kV3 && d.advert.interval.count() == 0) {
    return fail(DropReason::kZeroInterval);  // RX-10, EID 8301
  }
  return d;
}

}  // namespace floatd::vrrp
