// Fuzzes the control socket's input path as the server runs it: unframe() frames off the front
// of a byte stream until it needs more bytes or refuses a length, and each body goes through
// parse_control_request(), parse_control_command() and control_response(). The whole input is
// also parsed as one body.
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/control_command.hpp"
#include "daemon/control_request.hpp"
#include "floatd/control_protocol.hpp"
#include "fuzz_check.hpp"

using namespace floatd;

namespace {

// Nesting depth of `j`, without recursion (nlohmann's copy, dump and == recurse).
std::size_t depth(const nlohmann::json& j) {
  std::size_t max = 0;
  std::vector<std::pair<const nlohmann::json*, std::size_t>> todo{{&j, 1}};
  while (!todo.empty()) {
    const auto [node, d] = todo.back();
    todo.pop_back();
    max = std::max(max, d);
    if (node->is_structured()) {
      for (const auto& child : *node) todo.emplace_back(&child, d + 1);
    }
  }
  return max;
}

// The checks below recurse in nlohmann's code; past this depth they would overflow the
// harness's own stack (the daemon itself only looks keys up in args).
constexpr std::size_t kHarnessMaxDepth = 256;

void check_request(std::string_view body) {
  const auto req = daemon::parse_control_request(body);
  if (!req) {
    FUZZ_REQUIRE(!req.error().empty(), "rejected with no reason");
    (void)daemon::control_response(fail(req.error()));
    return;
  }
  FUZZ_REQUIRE(req->args.is_object(), "args is not an object");
  if (depth(req->args) > kHarnessMaxDepth) return;
  // What the server sends back must serialise (nlohmann dump() throws on bad UTF-8) ...
  const nlohmann::json echo = {{"command", req->command}, {"args", req->args}};
  (void)daemon::control_response(echo);
  // ... and a request rebuilt from the parsed one parses to the same thing.
  const nlohmann::json rebuilt = {
      {"version", control::kProtocolVersion}, {"command", req->command}, {"args", req->args}};
  const auto again = daemon::parse_control_request(rebuilt.dump());
  FUZZ_REQUIRE(again.ok(), "a re-serialised request does not parse: " + again.error());
  FUZZ_REQUIRE(again->command == req->command && again->args == req->args,
               "a re-serialised request parses differently");
  // The typed command: any arguments give a command or a reason, never a throw.
  const auto command = daemon::parse_control_command(req->command, req->args);
  if (!command) FUZZ_REQUIRE(!command.error().empty(), "a command refused with no reason");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream(data, size);
  while (!stream.empty()) {
    std::size_t used = 0;
    const auto frame = control::unframe(stream, control::kMaxRequest, used);
    if (!frame) {
      FUZZ_REQUIRE(used == 0, "a refused frame consumed bytes");
      break;
    }
    if (!frame->has_value()) {
      FUZZ_REQUIRE(used == 0, "an incomplete frame consumed bytes");
      break;
    }
    const std::string& body = **frame;
    FUZZ_REQUIRE(used == control::kHeaderSize + body.size() && used <= stream.size(),
                 "consumed does not match the frame");
    FUZZ_REQUIRE(
        control::frame(body) == std::vector<std::uint8_t>(stream.begin(), stream.begin() + used),
        "frame(unframe(x)) != x");
    check_request(body);
    stream = stream.subspan(used);
  }
  check_request({reinterpret_cast<const char*>(data), size});
  return 0;
}
