// Sealing and unsealing heartbeat adverts (issue 11).
#include "vrrp/heartbeat_seal.hpp"

#include "vrrp/packet.hpp"

namespace floatd::vrrp {

namespace {

void put_seq(std::vector<std::uint8_t>& out, std::uint64_t seq) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(seq >> shift));
  }
}

std::uint64_t get_seq(std::span<const std::uint8_t, kSeqBytes> bytes) {
  std::uint64_t seq = 0;
  for (std::uint8_t b : bytes) seq = (seq << 8) | b;
  return seq;
}

// src || dst || message || seq: what the digest covers.
std::vector<std::uint8_t> covered(std::span<const std::uint8_t> message, const IpAddress& src,
                                  const IpAddress& dst, std::uint64_t seq) {
  std::vector<std::uint8_t> data;
  data.reserve(src.size() + dst.size() + message.size() + kSeqBytes);
  data.insert(data.end(), src.bytes().begin(), src.bytes().end());
  data.insert(data.end(), dst.bytes().begin(), dst.bytes().end());
  data.insert(data.end(), message.begin(), message.end());
  put_seq(data, seq);
  return data;
}

// Looks at every byte whatever differs, so the time taken tells nothing about the digest.
bool same_digest(std::span<const std::uint8_t, kDigestBytes> a, const Digest& b) {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < kDigestBytes; ++i) diff |= static_cast<std::uint8_t>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Result<std::vector<std::uint8_t>> seal(std::span<const std::uint8_t> message, const IpAddress& src,
                                       const IpAddress& dst, std::uint64_t seq, const Hmac& hmac) {
  auto digest = hmac.digest(covered(message, src, dst, seq));
  if (!digest) return fail(digest.error());
  std::vector<std::uint8_t> out;
  out.reserve(message.size() + kTrailerBytes);
  out.insert(out.end(), message.begin(), message.end());
  put_seq(out, seq);
  out.insert(out.end(), digest->begin(), digest->end());
  return out;
}

Result<Unsealed, DropReason> unseal(std::span<const std::uint8_t> payload, const IpAddress& src,
                                    const IpAddress& dst, const Hmac& hmac) {
  // v2's fixed header has the same 8 bytes.
  if (payload.size() < kTrailerBytes + kV3HeaderSize) return fail(DropReason::kAuthTruncated);
  const auto message = payload.first(payload.size() - kTrailerBytes);
  const auto trailer = payload.last<kTrailerBytes>();
  const std::uint64_t seq = get_seq(trailer.first<kSeqBytes>());
  auto expected = hmac.digest(covered(message, src, dst, seq));
  if (!expected || !same_digest(trailer.last<kDigestBytes>(), *expected)) {
    return fail(DropReason::kAuthForged);
  }
  return Unsealed{message, seq};
}

bool ReplayGuard::accept(const IpAddress& peer, std::uint64_t seq) {
  auto [it, first] = last_.try_emplace(peer, seq);
  if (first) return true;
  if (seq <= it->second) return false;
  it->second = seq;
  return true;
}

}  // namespace floatd::vrrp
