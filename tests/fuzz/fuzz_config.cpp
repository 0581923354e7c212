// Fuzzes the config parser: parse_string() on any text. An accepted config must print to its
// canonical form, which parses again to an equal Config and prints the same (config.hpp).
// A rejected one must say why, and every error must format.
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "fuzz_check.hpp"

using namespace floatd::config;

namespace {

std::string describe(const std::vector<ConfigError>& errors) {
  std::string all;
  for (const ConfigError& e : errors) all += e.to_string() + "\n";
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const LoadResult parsed = parse_string(text, "fuzz.conf");
  if (!parsed) {
    FUZZ_REQUIRE(!parsed.error().empty(), "rejected with no error");
    describe(parsed.error());
    return 0;
  }
  const std::string printed = print(*parsed);
  const LoadResult again = parse_string(printed, "printed.conf");
  FUZZ_REQUIRE(again.ok(), "the printed config does not parse:\n" + describe(again.error()) +
                               "--- printed:\n" + printed);
  FUZZ_REQUIRE(*again == *parsed, "the printed config parses to another Config:\n" + printed);
  FUZZ_REQUIRE(print(*again) == printed, "printing is not idempotent:\n" + printed);
  return 0;
}
