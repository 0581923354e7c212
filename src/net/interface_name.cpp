#include "net/interface_name.hpp"

#include <net/if.h>

#include "floatd/text.hpp"

namespace floatd::net {

std::string kernel_name(std::string raw) {
  if (is_clean_text(raw)) return raw;
  return sanitize_text(raw).append(kEscapedMark);
}

std::string interface_text(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (ifindex > 0 && ::if_indextoname(static_cast<unsigned>(ifindex), name) != nullptr) {
    return kernel_name(name);
  }
  return "ifindex " + std::to_string(ifindex);
}

}  // namespace floatd::net
