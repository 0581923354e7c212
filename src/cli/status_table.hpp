// Renders `floatctl status` as a table a person reads at a glance. It reads the daemon's JSON
// text in place (json_tape.hpp): at thousands of instances a nlohmann tree, and the copies its
// value() makes of every instance's members, cost floatctl hundreds of milliseconds.
#pragma once

#include <string>
#include <string_view>

#include "cli/json_tape.hpp"
#include "floatd/result.hpp"

namespace floatd::cli {

// `status` is the daemon's {"version":1,"instances":[...]} object.
std::string status_table(const JsonTape& tape, JsonTape::Index status);
// The same from the object's text; an error when it is not JSON.
Result<std::string> status_table(std::string_view status_json);

}  // namespace floatd::cli
