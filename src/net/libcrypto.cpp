// Loading libcrypto with dlopen(3) and resolving the functions floatd calls.
#include "net/libcrypto.hpp"

#include <dlfcn.h>

namespace floatd::net {

namespace {

// Resolves `name` into `fn`; false (with dlerror's text in `why`) when the library lacks it.
template <typename Fn>
bool resolve(void* handle, const char* name, Fn& fn, std::string& why) {
  dlerror();
  void* symbol = dlsym(handle, name);
  if (const char* e = dlerror(); e != nullptr || symbol == nullptr) {
    why = e != nullptr ? e : std::string(name) + ": null symbol";
    return false;
  }
  fn = reinterpret_cast<Fn>(symbol);
  return true;
}

}  // namespace

Result<std::shared_ptr<const LibCrypto>> LibCrypto::load(const char* soname) {
  void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* e = dlerror();
    return fail("cannot load " + std::string(soname) + ": " + (e != nullptr ? e : "unknown"));
  }
  std::shared_ptr<LibCrypto> c(new LibCrypto(handle));
  std::string why;
  const bool all = resolve(handle, "EVP_MAC_fetch", c->mac_fetch, why) &&
                   resolve(handle, "EVP_MAC_free", c->mac_free, why) &&
                   resolve(handle, "EVP_MAC_CTX_new", c->ctx_new, why) &&
                   resolve(handle, "EVP_MAC_CTX_free", c->ctx_free, why) &&
                   resolve(handle, "EVP_MAC_CTX_get_mac_size", c->ctx_mac_size, why) &&
                   resolve(handle, "EVP_MAC_init", c->init, why) &&
                   resolve(handle, "EVP_MAC_update", c->update, why) &&
                   resolve(handle, "EVP_MAC_final", c->final, why) &&
                   resolve(handle, "OSSL_PARAM_construct_utf8_string", c->param_utf8, why) &&
                   resolve(handle, "OSSL_PARAM_construct_end", c->param_end, why) &&
                   resolve(handle, "ERR_get_error", c->error_code, why) &&
                   resolve(handle, "ERR_clear_error", c->clear_error, why) &&
                   resolve(handle, "ERR_error_string_n", c->error_text, why);
  if (!all) return fail(std::string(soname) + " lacks a function floatd needs: " + why);
  return std::shared_ptr<const LibCrypto>(std::move(c));
}

LibCrypto::~LibCrypto() { dlclose(handle_); }

std::string LibCrypto::error(const std::string& what) const {
  const unsigned long code = error_code();
  clear_error();
  if (code == 0) return what + " failed";
  char text[256];
  error_text(code, text, sizeof text);
  return what + " failed: " + text;
}

}  // namespace floatd::net
