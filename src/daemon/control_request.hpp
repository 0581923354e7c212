// Parsing a control request: the JSON body of one frame, checked field by field so that
// nothing malformed reaches a command handler. Pure (fuzzed in tests/fuzz).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "floatd/result.hpp"

namespace floatd::daemon {

inline constexpr int kMaxNesting = 8;  // no command's args go deeper than two levels

struct ControlRequest {
  std::string command;
  nlohmann::json args = nlohmann::json::object();
};

// {"version":1,"command":"status","args":{...}}: args optional, must be an object.
Result<ControlRequest> parse_control_request(std::string_view body);

// The response body for a result or an error, with the protocol version. The result is moved
// in, not copied: a status of 1,000 instances is a tree of megabytes.
std::string control_response(Result<nlohmann::json> result);

// Serialises a response or event. Never throws on bytes that are not UTF-8 (nlohmann's strict
// dump() throws type_error.316): each invalid byte goes out as U+FFFD. Text from outside is
// sanitised where it enters; this makes the socket safe regardless.
std::string dump_json(const nlohmann::json& body);

}  // namespace floatd::daemon
