// HMAC-SHA256 (RFC 2104, FIPS 180-4) over OpenSSL 3's libcrypto: the keyed hash that seals
// heartbeat adverts (vrrp/heartbeat_seal.hpp, issue 11). No crypto of our own: libcrypto's
// EVP_MAC "HMAC" with digest "SHA256". libcrypto is loaded by the first create()
// (net/libcrypto.hpp), so a floatd without heartbeat keys never maps it.
//
// The key is given once to create() and kept only inside libcrypto's context, which cleanses it
// when freed. Each digest() re-initialises that context with the key it already holds (about
// half the cost of duplicating the context per message: 0.2 us against 0.44 us for a 40-byte
// message on the development machine), so digest() changes hidden state: one thread only, as
// the daemon's event loop is.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <utility>

#include "floatd/result.hpp"
#include "vrrp/heartbeat_seal.hpp"

using EVP_MAC_CTX = struct evp_mac_ctx_st;  // <openssl/types.h>, kept out of includers

namespace floatd::net {

class LibCrypto;

class HmacSha256 final : public vrrp::Hmac {
 public:
  // Error: an empty key, libcrypto cannot be loaded, or it has no HMAC or SHA-256 (with
  // libcrypto's reason).
  static Result<std::unique_ptr<HmacSha256>> create(std::span<const std::uint8_t> key);
  // The same over a libcrypto already loaded (tests load their own).
  static Result<std::unique_ptr<HmacSha256>> create(std::shared_ptr<const LibCrypto> crypto,
                                                     std::span<const std::uint8_t> key);

  ~HmacSha256() override;
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  Result<vrrp::Digest> digest(std::span<const std::uint8_t> data) const override;

 private:
  HmacSha256(std::shared_ptr<const LibCrypto> crypto, EVP_MAC_CTX* ctx)
      : crypto_(std::move(crypto)), ctx_(ctx) {}

  std::shared_ptr<const LibCrypto> crypto_;  // keeps libcrypto loaded while ctx_ lives
  EVP_MAC_CTX* ctx_;                         // owned; holds the key
};

}  // namespace floatd::net
