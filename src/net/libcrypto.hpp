// OpenSSL 3's libcrypto, loaded when a heartbeat key first needs it rather than at start-up.
//
// Only instances with a heartbeat_key seal their adverts (issue 11), and most floatd hosts have
// none. Linked at start-up, libcrypto cost every floatd 1.4 MiB of resident memory (its
// relocations and initialisers touch that much of it: a quarter of a one-instance floatd's
// RSS). Loaded with dlopen(3) by the first HmacSha256::create(), it costs nothing where no key
// is configured. The same pattern as systemd's optional libraries.
//
// The symbols floatd calls are resolved at load (RTLD_NOW), all or none: a libcrypto without
// one of them is an error at the key's load, not a crash at the first advert. The library stays
// loaded while a LibCrypto refers to it (each HmacSha256 holds one).
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstddef>
#include <memory>
#include <string>

#include "floatd/result.hpp"

namespace floatd::net {

class LibCrypto {
 public:
  // The soname of OpenSSL 3's libcrypto (Debian 12: libssl3).
  static constexpr const char* kSoname = "libcrypto.so.3";

  // Opens `soname` (tests name a library that is not there); the error says which file or
  // symbol was missing, with dlerror(3)'s text.
  static Result<std::shared_ptr<const LibCrypto>> load(const char* soname = kSoname);

  ~LibCrypto();
  LibCrypto(const LibCrypto&) = delete;
  LibCrypto& operator=(const LibCrypto&) = delete;

  // The functions floatd uses, with libcrypto's own signatures (EVP_MAC(3), OSSL_PARAM(3),
  // ERR_get_error(3)).
  decltype(&::EVP_MAC_fetch) mac_fetch = nullptr;
  decltype(&::EVP_MAC_free) mac_free = nullptr;
  decltype(&::EVP_MAC_CTX_new) ctx_new = nullptr;
  decltype(&::EVP_MAC_CTX_free) ctx_free = nullptr;
  decltype(&::EVP_MAC_CTX_get_mac_size) ctx_mac_size = nullptr;
  decltype(&::EVP_MAC_init) init = nullptr;
  decltype(&::EVP_MAC_update) update = nullptr;
  decltype(&::EVP_MAC_final) final = nullptr;
  decltype(&::OSSL_PARAM_construct_utf8_string) param_utf8 = nullptr;
  decltype(&::OSSL_PARAM_construct_end) param_end = nullptr;
  decltype(&::ERR_get_error) error_code = nullptr;
  decltype(&::ERR_clear_error) clear_error = nullptr;
  decltype(&::ERR_error_string_n) error_text = nullptr;

  // libcrypto's reason for its last failure, after `what`; clears its error queue.
  std::string error(const std::string& what) const;

 private:
  explicit LibCrypto(void* handle) : handle_(handle) {}
  void* handle_;
};

}  // namespace floatd::net
