// Helpers for the config unit tests: parse a text, get its Config or its errors.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace floatd::config::test {

// A complete, valid instance; tests append keys to it.
inline constexpr std::string_view kInstance =
    "[instance web]\n"
    "interface = eth0\n"
    "virtual_router_id = 51\n"
    "virtual_ipaddress = 10.0.0.100/24\n";

inline std::vector<std::string> errors_of(std::string_view text) {
  auto result = parse_string(text, "t.conf");
  std::vector<std::string> out;
  if (!result) {
    for (const auto& e : result.error()) out.push_back(e.to_string());
  }
  return out;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

inline Config parse_ok(std::string_view text) {
  auto result = parse_string(text, "t.conf");
  INFO("errors:\n", joined(errors_of(text)));
  REQUIRE(result.ok());
  return *result;
}

// The single error of `text`, as "t.conf:LINE: key: reason"; a failed check if not one.
inline std::string one_error(std::string_view text) {
  const auto errors = errors_of(text);
  INFO("errors:\n", joined(errors));
  REQUIRE(errors.size() == 1);
  return errors.front();
}

// kInstance plus `extra` lines, parsed; returns instance "web".
inline InstanceConfig instance_with(std::string_view extra) {
  const Config config = parse_ok(std::string(kInstance) + std::string(extra));
  REQUIRE(config.instances.size() == 1);
  return config.instances.front();
}

// The single error of kInstance plus `extra` (its lines start at line 5).
inline std::string instance_error(std::string_view extra) {
  return one_error(std::string(kInstance) + std::string(extra));
}

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace floatd::config::test
