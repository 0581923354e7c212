// floatctl: the control client, the same binary as floatd under another name.
#pragma once

#include <string>
#include <vector>

namespace floatd::cli {

inline constexpr const char* kDefaultSocket = "/run/floatd/floatd.sock";

// Runs floatctl with its arguments (argv[1..]); returns the exit code.
int floatctl_main(const std::vector<std::string>& args);

}  // namespace floatd::cli
