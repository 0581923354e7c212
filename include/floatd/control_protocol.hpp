// The control socket's wire format, shared by floatd and floatctl.
//
// A message is a 4-byte big-endian length followed by that many bytes of JSON. Requests are
// {"version":1,"command":"status","args":{...}}; responses {"version":1,"ok":true,"result":...}
// or {"version":1,"ok":false,"error":"..."}. Lengths are checked before anything is read:
// a request over kMaxRequest is refused without being parsed.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "floatd/result.hpp"

namespace floatd::control {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kMaxRequest = 64 * 1024;
inline constexpr std::size_t kMaxResponse = 64 * 1024 * 1024;
inline constexpr std::size_t kHeaderSize = 4;

std::vector<std::uint8_t> frame(std::string_view body);

// Reads one frame from the front of `buffer`. nullopt: more bytes needed. Error: the length
// announced is larger than `max`. On success `consumed` is the frame's size.
Result<std::optional<std::string>> unframe(std::span<const std::uint8_t> buffer, std::size_t max,
                                           std::size_t& consumed);

}  // namespace floatd::control
