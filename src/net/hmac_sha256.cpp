// HMAC-SHA256 with libcrypto's EVP_MAC API (OpenSSL 3).
#include "net/hmac_sha256.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <string>

namespace floatd::net {

namespace {

// libcrypto's reason for the last failure, after what we were doing; clears its error queue.
std::string crypto_error(const std::string& what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return what + " failed";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return what + " failed: " + text;
}

}  // namespace

Result<std::unique_ptr<HmacSha256>> HmacSha256::create(std::span<const std::uint8_t> key) {
  if (key.empty()) return fail(std::string("HMAC-SHA256: the key is empty"));
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (mac == nullptr) return fail(crypto_error("HMAC-SHA256: EVP_MAC_fetch(HMAC)"));
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);  // the context holds its own reference
  if (ctx == nullptr) return fail(crypto_error("HMAC-SHA256: EVP_MAC_CTX_new"));
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_MAC_init(ctx, key.data(), key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    return fail(crypto_error("HMAC-SHA256: EVP_MAC_init"));
  }
  if (EVP_MAC_CTX_get_mac_size(ctx) != vrrp::kDigestBytes) {
    EVP_MAC_CTX_free(ctx);
    return fail(std::string("HMAC-SHA256: libcrypto's digest is not 32 bytes"));
  }
  return std::unique_ptr<HmacSha256>(new HmacSha256(ctx));
}

HmacSha256::~HmacSha256() { EVP_MAC_CTX_free(ctx_); }

Result<vrrp::Digest> HmacSha256::digest(std::span<const std::uint8_t> data) const {
  vrrp::Digest out{};
  std::size_t length = 0;
  // A null key re-initialises with the key the context holds (OpenSSL 3 EVP_MAC_init(3)).
  if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 ||
      EVP_MAC_update(ctx_, data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx_, out.data(), &length, out.size()) != 1) {
    return fail(crypto_error("HMAC-SHA256"));
  }
  if (length != out.size()) return fail(std::string("HMAC-SHA256: short digest"));
  return out;
}

}  // namespace floatd::net
