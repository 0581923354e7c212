// An interface's name as floatd keeps and prints it.
#pragma once

#include <string>
#include <string_view>

namespace floatd::net {

// A name (or an address label) as the kernel reports it, made safe where it enters floatd:
// the kernel allows any bytes but '/', ':', whitespace and NUL, so a name may be invalid UTF-8
// or hold terminal escapes. Such a name comes back escaped (floatd::sanitize_text) and marked
// " (escaped)": printable in logs, status and metrics, and never equal to a configured name
// (the config takes only clean names, and no name has a space), so floatd never acts on an
// interface it cannot name. A clean name comes back unchanged.
inline constexpr std::string_view kEscapedMark = " (escaped)";
std::string kernel_name(std::string raw);

// "eth0", or "ifindex 7" when the interface is already gone (or the index is not positive).
// if_indextoname() costs a socket and an ioctl, so callers build their errors lazily. The
// name goes through kernel_name().
std::string interface_text(int ifindex);

}  // namespace floatd::net
