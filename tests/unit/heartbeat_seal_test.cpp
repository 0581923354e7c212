// The heartbeat seal (issue 11): a round trip, one named case per way a sealed advert can be
// damaged or misused, the replay guard and the sequence numbers. The keyed hash is a fake
// (FNV-1a over key || data, stretched to 32 bytes): any one changed byte changes it, which is
// all the framing needs; the real HMAC-SHA256 has its own vectors (tests/daemon).
#include "vrrp/heartbeat_seal.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "vrrp/packet.hpp"

using floatd::IpAddress;
using floatd::Result;
using namespace floatd::vrrp;

namespace {

using Bytes = std::vector<std::uint8_t>;

class FakeHmac final : public Hmac {
 public:
  explicit FakeHmac(std::string key) : key_(std::move(key)) {}
  Result<Digest> digest(std::span<const std::uint8_t> data) const override {
    std::uint64_t h = 0xcbf29ce484222325u;
    auto mix = [&h](std::uint8_t b) { h = (h ^ b) * 0x100000001b3u; };
    for (char c : key_) mix(static_cast<std::uint8_t>(c));
    for (std::uint8_t b : data) mix(b);
    Digest d{};
    for (std::size_t i = 0; i < d.size(); ++i) {
      h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9u;  // splitmix-style stretch
      d[i] = static_cast<std::uint8_t>(h >> 56);
    }
    return d;
  }

 private:
  std::string key_;
};

class BrokenHmac final : public Hmac {
 public:
  Result<Digest> digest(std::span<const std::uint8_t>) const override {
    return floatd::fail(std::string("EVP_MAC_final failed"));
  }
};

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

const IpAddress kSrc = ip("10.1.0.1");
const IpAddress kDst = ip("10.1.0.2");
const FakeHmac kKey("correct horse battery staple");

// A real VRRPv3 advert, as the instance would send it on a path.
Bytes message() {
  Advert a;
  a.vrid = 51;
  a.priority = 150;
  a.addresses = {ip("192.168.100.100")};
  return encode(a, kSrc, kDst);
}

Bytes sealed(std::uint64_t seq = 0x0102030405060708u) {
  auto s = seal(message(), kSrc, kDst, seq, kKey);
  REQUIRE(s.ok());
  return *s;
}

std::optional<DropReason> drop_of(const Bytes& payload, const IpAddress& src = kSrc,
                                  const IpAddress& dst = kDst, const Hmac& hmac = kKey) {
  auto u = unseal(payload, src, dst, hmac);
  if (u.ok()) return std::nullopt;
  return u.error();
}

}  // namespace

TEST_CASE("heartbeat_seal: RoundTrip") {
  const Bytes m = message();
  const Bytes s = sealed();
  REQUIRE(s.size() == m.size() + kTrailerBytes);
  CHECK(Bytes(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(m.size())) == m);
  const Bytes seq_bytes(s.begin() + static_cast<std::ptrdiff_t>(m.size()),
                        s.begin() + static_cast<std::ptrdiff_t>(m.size() + kSeqBytes));
  CHECK(seq_bytes == Bytes{1, 2, 3, 4, 5, 6, 7, 8});  // big-endian

  auto u = unseal(s, kSrc, kDst, kKey);
  REQUIRE(u.ok());
  CHECK(u->seq == 0x0102030405060708u);
  CHECK(Bytes(u->message.begin(), u->message.end()) == m);
  CHECK(u->message.data() == s.data());  // a view into the payload, not a copy
  auto decoded = decode(u->message, PacketInfo{kSrc, kDst, 255});
  REQUIRE(decoded.ok());
  CHECK(decoded->advert.vrid == 51);
}

TEST_CASE("heartbeat_seal: RoundTripIPv6AndExtremeSeq") {
  const IpAddress src = ip("fe80::1");
  const IpAddress dst = ip("fe80::2");
  for (std::uint64_t seq : {std::uint64_t{0}, std::uint64_t{1}, ~std::uint64_t{0}}) {
    auto s = seal(message(), src, dst, seq, kKey);
    REQUIRE(s.ok());
    auto u = unseal(*s, src, dst, kKey);
    REQUIRE(u.ok());
    CHECK(u->seq == seq);
  }
}

TEST_CASE("heartbeat_seal: Truncated") {
  CHECK(drop_of({}) == DropReason::kAuthTruncated);
  const Bytes s = sealed();
  // An unsealed advert (a peer without heartbeat_key): one with few addresses is too short to
  // hold a trailer; one with ten or more IPv4 addresses is long enough and fails as forged.
  CHECK(drop_of(message()) == DropReason::kAuthTruncated);
  Advert many;
  many.vrid = 51;
  for (int i = 1; i <= 10; ++i) {
    many.addresses.push_back(ip(("192.168.100." + std::to_string(i)).c_str()));
  }
  CHECK(drop_of(encode(many, kSrc, kDst)) == DropReason::kAuthForged);
  CHECK(drop_of(Bytes(s.begin(), s.begin() + 8)) == DropReason::kAuthTruncated);
  CHECK(drop_of(Bytes(kTrailerBytes, 0)) == DropReason::kAuthTruncated);
  CHECK(drop_of(Bytes(kTrailerBytes + kV3HeaderSize - 1, 0)) == DropReason::kAuthTruncated);
  // Exactly a header plus the trailer is long enough to be judged by its digest.
  const Bytes header(kV3HeaderSize, 0x31);
  auto minimal = seal(header, kSrc, kDst, 1, kKey);
  REQUIRE(minimal.ok());
  CHECK(unseal(*minimal, kSrc, kDst, kKey).ok());
  // Losing the last byte shifts the trailer: forged, not silently accepted.
  Bytes short_by_one = s;
  short_by_one.pop_back();
  CHECK(drop_of(short_by_one) == DropReason::kAuthForged);
}

TEST_CASE("heartbeat_seal: FlippedMessageByte") {
  const Bytes s = sealed();
  for (std::size_t i = 0; i < s.size() - kTrailerBytes; ++i) {
    Bytes bad = s;
    bad[i] ^= 0x01;
    CAPTURE(i);
    CHECK(drop_of(bad) == DropReason::kAuthForged);
  }
}

TEST_CASE("heartbeat_seal: FlippedSeq") {
  const Bytes s = sealed();
  for (std::size_t i = s.size() - kTrailerBytes; i < s.size() - kDigestBytes; ++i) {
    Bytes bad = s;
    bad[i] ^= 0x80;
    CAPTURE(i);
    CHECK(drop_of(bad) == DropReason::kAuthForged);
  }
}

TEST_CASE("heartbeat_seal: FlippedDigest") {
  const Bytes s = sealed();
  for (std::size_t i = s.size() - kDigestBytes; i < s.size(); ++i) {
    Bytes bad = s;
    bad[i] ^= 0x01;
    CAPTURE(i);
    CHECK(drop_of(bad) == DropReason::kAuthForged);
  }
}

TEST_CASE("heartbeat_seal: WrongKey") {
  CHECK(drop_of(sealed(), kSrc, kDst, FakeHmac("correct horse battery stapler")) ==
        DropReason::kAuthForged);
}

TEST_CASE("heartbeat_seal: DigestFailure") {
  CHECK(drop_of(sealed(), kSrc, kDst, BrokenHmac()) == DropReason::kAuthForged);
  auto s = seal(message(), kSrc, kDst, 1, BrokenHmac());
  REQUIRE_FALSE(s.ok());
  CHECK(s.error() == "EVP_MAC_final failed");
}

TEST_CASE("heartbeat_seal: WrongSrc") {
  CHECK(drop_of(sealed(), ip("10.1.0.9"), kDst) == DropReason::kAuthForged);
}

TEST_CASE("heartbeat_seal: WrongDst") {
  CHECK(drop_of(sealed(), kSrc, ip("10.1.0.3")) == DropReason::kAuthForged);
  // Reflected back to its sender: src and dst swapped.
  CHECK(drop_of(sealed(), kDst, kSrc) == DropReason::kAuthForged);
}

TEST_CASE("heartbeat_seal: Replayed") {
  ReplayGuard guard;
  const IpAddress peer = kSrc;
  CHECK(guard.accept(peer, 5));  // the first from a peer
  CHECK_FALSE(guard.accept(peer, 5));
  CHECK(guard.accept(peer, 6));
  CHECK_FALSE(guard.accept(peer, 6));
}

TEST_CASE("heartbeat_seal: OlderSeq") {
  ReplayGuard guard;
  const IpAddress a = ip("10.1.0.1");
  const IpAddress b = ip("fe80::1");
  CHECK(guard.accept(a, 100));
  CHECK_FALSE(guard.accept(a, 99));
  CHECK_FALSE(guard.accept(a, 0));
  CHECK(guard.accept(b, 1));  // per peer: b's numbers are its own
  CHECK_FALSE(guard.accept(a, 50));
  CHECK(guard.accept(a, 101));
  CHECK_FALSE(guard.accept(a, 100));  // a refused seq does not lower the mark either
  guard.clear();
  CHECK(guard.accept(a, 1));
}

TEST_CASE("heartbeat_seal: SequenceCounterAcrossEpochs") {
  SequenceCounter first(1'700'000'000u);
  const std::uint64_t one = first.next();
  CHECK(one == ((std::uint64_t{1'700'000'000u} << 32) | 1u));  // the counter starts at 1
  std::uint64_t last = one;
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t n = first.next();
    CHECK(n == last + 1);
    last = n;
  }
  // A restart a second later starts above everything the first run sent.
  SequenceCounter restarted(1'700'000'001u);
  const std::uint64_t r = restarted.next();
  CHECK(r > last);
  ReplayGuard guard;
  CHECK(guard.accept(kSrc, last));
  CHECK(guard.accept(kSrc, r));
  // A restart within the same second (or after the clock stepped back) starts below: dropped
  // until it passes the old number, as the header documents.
  SequenceCounter same_second(1'700'000'001u);
  CHECK_FALSE(guard.accept(kSrc, same_second.next()));
  SequenceCounter stepped_back(1'699'999'990u);
  CHECK_FALSE(guard.accept(kSrc, stepped_back.next()));
}
