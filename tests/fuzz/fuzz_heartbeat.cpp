// Fuzzes the seal of authenticated heartbeat adverts (vrrp/heartbeat_seal.hpp, issue 11) with
// the real HMAC-SHA256 (net/hmac_sha256.cpp over libcrypto): the trailer is the first thing
// floatd reads of a packet that arrives on a heartbeat path, from anyone on that link.
//
// Input: [flags][src: 4 or 16 bytes][dst: 4 or 16 bytes][payload ...]
// flags bit 0: the addresses are IPv6. bit 1: seal the payload first (as the message), with
// the sequence number flags >> 2, then check that it unseals to itself, that a change of any
// one byte (the last payload byte names which) or of either address is refused as forged, and
// that the replay guard takes each sequence number once. Without bit 1 the payload goes to
// unseal() as it came: it must be refused (a forgery of an unknown key), never crash.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "net/hmac_sha256.hpp"
#include "vrrp/heartbeat_seal.hpp"

using namespace floatd;
using namespace floatd::vrrp;

namespace {

const Hmac& key() {
  static const std::unique_ptr<net::HmacSha256> hmac = [] {
    constexpr std::string_view secret = "fuzz-heartbeat-key";
    auto h = net::HmacSha256::create(
        std::span(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()));
    FUZZ_REQUIRE(h.ok(), "no HMAC-SHA256 in libcrypto");
    return std::move(*h);
  }();
  return *hmac;
}

bool take(std::span<const std::uint8_t>& data, bool v6, IpAddress& out) {
  const std::size_t n = v6 ? 16 : 4;
  if (data.size() < n) return false;
  out = *IpAddress::from_bytes(data.first(n));
  data = data.subspan(n);
  return true;
}

void check_sealed(std::span<const std::uint8_t> message, const IpAddress& src,
                  const IpAddress& dst, std::uint64_t seq) {
  auto sealed = seal(message, src, dst, seq, key());
  FUZZ_REQUIRE(sealed.ok(), "seal failed");
  FUZZ_REQUIRE(sealed->size() == message.size() + kTrailerBytes, "trailer of the wrong size");
  auto opened = unseal(*sealed, src, dst, key());
  if (message.size() < 8) {  // shorter than a VRRP header: refused whatever the digest
    FUZZ_REQUIRE(!opened.ok() && opened.error() == DropReason::kAuthTruncated,
                 "a sealed runt was not refused as truncated");
    return;
  }
  FUZZ_REQUIRE(opened.ok(), "a sealed advert did not unseal");
  FUZZ_REQUIRE(opened->seq == seq, "unseal read another sequence number");
  FUZZ_REQUIRE(std::equal(opened->message.begin(), opened->message.end(), message.begin(),
                          message.end()),
               "unseal returned another message");

  std::vector<std::uint8_t> changed = *sealed;
  const std::size_t at = message.empty() ? 0 : message.back() % changed.size();
  changed[at] ^= 0x01;
  auto forged = unseal(changed, src, dst, key());
  FUZZ_REQUIRE(!forged.ok() && forged.error() == DropReason::kAuthForged,
               "a changed byte was not refused as forged");
  FUZZ_REQUIRE(!unseal(*sealed, dst, src, key()).ok() || src == dst,
               "the digest does not bind the addresses");

  ReplayGuard guard;
  FUZZ_REQUIRE(guard.accept(src, seq) || seq == 0, "the first sequence number was refused");
  FUZZ_REQUIRE(!guard.accept(src, seq), "a replayed sequence number was accepted");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  if (in.empty()) return 0;
  const std::uint8_t flags = in[0];
  in = in.subspan(1);
  IpAddress src, dst;
  if (!take(in, flags & 1, src) || !take(in, flags & 1, dst)) return 0;
  if (flags & 2) {
    check_sealed(in, src, dst, flags >> 2);
    return 0;
  }
  auto opened = unseal(in, src, dst, key());
  FUZZ_REQUIRE(!opened.ok(), "a payload not sealed with the key was accepted");
  FUZZ_REQUIRE(opened.error() == DropReason::kAuthTruncated ||
                   opened.error() == DropReason::kAuthForged,
               "refused under another reason");
  return 0;
}
