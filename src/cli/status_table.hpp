// Renders `floatctl status` as a table a person reads at a glance.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace floatd::cli {

// `status` is the daemon's {"version":1,"instances":[...]} object.
std::string status_table(const nlohmann::json& status);

}  // namespace floatd::cli
