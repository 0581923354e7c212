// An interface's name for a log or error text, from its index.
#pragma once

#include <string>

namespace floatd::net {

// "eth0", or "ifindex 7" when the interface is already gone (or the index is not positive).
// if_indextoname() costs a socket and an ioctl, so callers build their errors lazily. The name
// is the kernel's bytes, not necessarily UTF-8: sinks sanitise it (floatd/text.hpp).
std::string interface_text(int ifindex);

}  // namespace floatd::net
