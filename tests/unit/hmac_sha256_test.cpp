// HMAC-SHA256 over libcrypto against the RFC 4231 test vectors (cases 1-4, 6, 7; case 5 tests a
// truncated output, which the seal does not use), the context's reuse between messages, and
// loading libcrypto with dlopen (net/libcrypto.hpp).
#include "net/hmac_sha256.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "net/libcrypto.hpp"

using floatd::net::HmacSha256;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes hex(const std::string& s) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string hex_of(std::span<const std::uint8_t> bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

std::string mac(const Bytes& key, const Bytes& data) {
  auto h = HmacSha256::create(key);
  REQUIRE(h.ok());
  auto d = (*h)->digest(data);
  REQUIRE(d.ok());
  return hex_of(*d);
}

const Bytes kLongKey(131, 0xaa);  // cases 6 and 7: longer than SHA-256's 64-byte block

}  // namespace

TEST_CASE("hmac_sha256: RFC 4231 case 1") {
  CHECK(mac(Bytes(20, 0x0b), text("Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST_CASE("hmac_sha256: RFC 4231 case 2 (key shorter than the output)") {
  CHECK(mac(text("Jefe"), text("what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("hmac_sha256: RFC 4231 case 3") {
  CHECK(mac(Bytes(20, 0xaa), Bytes(50, 0xdd)) ==
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

TEST_CASE("hmac_sha256: RFC 4231 case 4") {
  CHECK(mac(hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd)) ==
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

TEST_CASE("hmac_sha256: RFC 4231 case 6 (key longer than a block)") {
  CHECK(mac(kLongKey, text("Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("hmac_sha256: RFC 4231 case 7 (key and data longer than a block)") {
  CHECK(mac(kLongKey, text("This is a test using a larger than block-size key and a larger than "
                           "block-size data. The key needs to be hashed before being used by the "
                           "HMAC algorithm.")) ==
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST_CASE("hmac_sha256: one object digests message after message with the same key") {
  auto h = HmacSha256::create(text("Jefe"));
  REQUIRE(h.ok());
  const Bytes data = text("what do ya want for nothing?");
  for (int i = 0; i < 3; ++i) {
    auto other = (*h)->digest(text("Hi There"));  // in between: must not leak into the next
    REQUIRE(other.ok());
    auto d = (*h)->digest(data);
    REQUIRE(d.ok());
    CHECK(hex_of(*d) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  auto empty = (*h)->digest({});
  CHECK(empty.ok());
}

TEST_CASE("hmac_sha256: an empty key is refused") {
  auto h = HmacSha256::create({});
  REQUIRE_FALSE(h.ok());
  CHECK(h.error() == "HMAC-SHA256: the key is empty");
}

TEST_CASE("hmac_sha256: a libcrypto that cannot be loaded is an error that names the file") {
  auto c = floatd::net::LibCrypto::load("libcrypto-floatd-test-absent.so.3");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().find("cannot load libcrypto-floatd-test-absent.so.3: ") == 0);
}

TEST_CASE("hmac_sha256: a library without libcrypto's functions is refused at load") {
  // libc is there on every machine, and has none of EVP_MAC_*.
  auto c = floatd::net::LibCrypto::load("libc.so.6");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().find("libc.so.6 lacks a function floatd needs: ") == 0);
  CHECK(c.error().find("EVP_MAC_fetch") != std::string::npos);
}

TEST_CASE("hmac_sha256: keys made from one loaded libcrypto outlive each other") {
  auto c = floatd::net::LibCrypto::load();
  REQUIRE(c.ok());
  auto a = HmacSha256::create(*c, text("Jefe"));
  auto b = HmacSha256::create(std::move(*c), text("Jefe"));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  a->reset();  // the library stays loaded for b
  auto d = (*b)->digest(text("what do ya want for nothing?"));
  REQUIRE(d.ok());
  CHECK(hex_of(*d) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}
