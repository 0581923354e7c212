// HMAC-SHA256 with libcrypto's EVP_MAC API (OpenSSL 3), called through net/libcrypto.hpp.
#include "net/hmac_sha256.hpp"

#include <openssl/core_names.h>

#include <string>

#include "net/libcrypto.hpp"

namespace floatd::net {

Result<std::unique_ptr<HmacSha256>> HmacSha256::create(std::span<const std::uint8_t> key) {
  if (key.empty()) return fail(std::string("HMAC-SHA256: the key is empty"));
  auto crypto = LibCrypto::load();
  if (!crypto) return fail("HMAC-SHA256: " + crypto.error());
  return create(std::move(*crypto), key);
}

Result<std::unique_ptr<HmacSha256>> HmacSha256::create(std::shared_ptr<const LibCrypto> crypto,
                                                       std::span<const std::uint8_t> key) {
  if (key.empty()) return fail(std::string("HMAC-SHA256: the key is empty"));
  const LibCrypto& c = *crypto;
  EVP_MAC* mac = c.mac_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (mac == nullptr) return fail(c.error("HMAC-SHA256: EVP_MAC_fetch(HMAC)"));
  EVP_MAC_CTX* ctx = c.ctx_new(mac);
  c.mac_free(mac);  // the context holds its own reference
  if (ctx == nullptr) return fail(c.error("HMAC-SHA256: EVP_MAC_CTX_new"));
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      c.param_utf8(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      c.param_end(),
  };
  if (c.init(ctx, key.data(), key.size(), params) != 1) {
    std::string why = c.error("HMAC-SHA256: EVP_MAC_init");
    c.ctx_free(ctx);
    return fail(std::move(why));
  }
  if (c.ctx_mac_size(ctx) != vrrp::kDigestBytes) {
    c.ctx_free(ctx);
    return fail(std::string("HMAC-SHA256: libcrypto's digest is not 32 bytes"));
  }
  return std::unique_ptr<HmacSha256>(new HmacSha256(std::move(crypto), ctx));
}

HmacSha256::~HmacSha256() { crypto_->ctx_free(ctx_); }

Result<vrrp::Digest> HmacSha256::digest(std::span<const std::uint8_t> data) const {
  const LibCrypto& c = *crypto_;
  vrrp::Digest out{};
  std::size_t length = 0;
  // A null key re-initialises with the key the context holds (OpenSSL 3 EVP_MAC_init(3)).
  if (c.init(ctx_, nullptr, 0, nullptr) != 1 || c.update(ctx_, data.data(), data.size()) != 1 ||
      c.final(ctx_, out.data(), &length, out.size()) != 1) {
    return fail(c.error("HMAC-SHA256"));
  }
  if (length != out.size()) return fail(std::string("HMAC-SHA256: short digest"));
  return out;
}

}  // namespace floatd::net
