#include "net/interface_name.hpp"

#include <net/if.h>

namespace floatd::net {

std::string interface_text(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (ifindex > 0 && ::if_indextoname(static_cast<unsigned>(ifindex), name) != nullptr) return name;
  return "ifindex " + std::to_string(ifindex);
}

}  // namespace floatd::net
