#include "floatd/control_protocol.hpp"

#include <algorithm>

namespace floatd::control {

std::vector<std::uint8_t> frame(std::string_view body) {
  const auto n = static_cast<std::uint32_t>(body.size());
  std::vector<std::uint8_t> out(kHeaderSize + body.size());
  out[0] = static_cast<std::uint8_t>(n >> 24);
  out[1] = static_cast<std::uint8_t>(n >> 16);
  out[2] = static_cast<std::uint8_t>(n >> 8);
  out[3] = static_cast<std::uint8_t>(n);
  std::copy(body.begin(), body.end(), out.begin() + kHeaderSize);
  return out;
}

Result<std::optional<std::string>> unframe(std::span<const std::uint8_t> buffer, std::size_t max,
                                           std::size_t& consumed) {
  consumed = 0;
  if (buffer.size() < kHeaderSize) return std::optional<std::string>{};
  const std::size_t n = (std::size_t{buffer[0]} << 24) | (std::size_t{buffer[1]} << 16) |
                        (std::size_t{buffer[2]} << 8) | std::size_t{buffer[3]};
  if (n > max) {
    return fail("message of " + std::to_string(n) + " bytes exceeds the limit of " +
                std::to_string(max));
  }
  if (buffer.size() < kHeaderSize + n) return std::optional<std::string>{};
  consumed = kHeaderSize + n;
  return std::optional<std::string>{
      std::string(reinterpret_cast<const char*>(buffer.data() + kHeaderSize), n)};
}

}  // namespace floatd::control
