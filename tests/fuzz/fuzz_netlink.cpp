// Fuzzes the rtnetlink parser: parse_netlink() on any buffer must neither crash nor read out
// of bounds, must give the same result from an aligned and a misaligned copy (it copies a
// misaligned buffer first), and every event it returns must hold what netlink_events.hpp says.
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "floatd/text.hpp"
#include "fuzz_check.hpp"
#include "net/interface_name.hpp"
#include "net/netlink_events.hpp"

using namespace floatd::net;

namespace {

// A name or label as kernel_name() gives it: clean text, and either the kernel's at most 15
// bytes or an escaped one, marked (up to 4 bytes per byte escaped, and the mark).
bool valid_name(const std::string& name) {
  if (!floatd::is_clean_text(name)) return false;
  if (name.size() < 16) return true;
  return name.size() <= 15 * 4 + kEscapedMark.size() && name.ends_with(kEscapedMark);
}

void check_event(const NetlinkEvent& event) {
  if (const auto* link = std::get_if<LinkState>(&event)) {
    FUZZ_REQUIRE(link->ifindex > 0, "link with ifindex <= 0");
    FUZZ_REQUIRE(!link->name.empty() && valid_name(link->name),
                 "link name empty, too long or not clean text");
  } else {
    const auto& addr = std::get<AddrState>(event);
    FUZZ_REQUIRE(addr.ifindex > 0, "address with ifindex <= 0");
    const int max_len = addr.prefix.address.is_v4() ? 32 : 128;
    FUZZ_REQUIRE(addr.prefix.prefix_len >= 0 && addr.prefix.prefix_len <= max_len,
                 "prefix length out of range for the family");
    FUZZ_REQUIRE(addr.label.empty() || valid_name(addr.label), "label too long or not clean text");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // libFuzzer's buffer is an exact-size heap block (malloc-aligned), so ASan sees any read
  // past its end; the misaligned copy ends exactly at its block's end too.
  std::vector<std::uint8_t> odd_store(size + 1);
  if (size > 0) std::memcpy(odd_store.data() + 1, data, size);

  const ParseResult a = parse_netlink({data, size});
  const ParseResult b = parse_netlink({odd_store.data() + 1, size});
  FUZZ_REQUIRE(a.events == b.events && a.malformed == b.malformed && a.done == b.done,
               "the misaligned copy parses differently");
  for (const NetlinkEvent& e : a.events) check_event(e);
  return 0;
}
