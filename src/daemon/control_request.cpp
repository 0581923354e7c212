#include "daemon/control_request.hpp"

#include "floatd/control_protocol.hpp"

namespace floatd::daemon {

Result<ControlRequest> parse_control_request(std::string_view body) {
  const auto req = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded() || !req.is_object()) return fail(std::string("request is not a JSON object"));
  const auto version = req.find("version");
  if (version == req.end() || !version->is_number_integer() ||
      version->get<std::int64_t>() != control::kProtocolVersion) {
    return fail("unsupported protocol version (this floatd speaks version " +
                std::to_string(control::kProtocolVersion) + ")");
  }
  const auto command = req.find("command");
  if (command == req.end() || !command->is_string()) return fail(std::string("no command"));
  ControlRequest out;
  out.command = command->get<std::string>();
  if (auto a = req.find("args"); a != req.end()) {
    if (!a->is_object()) return fail(std::string("args must be an object"));
    out.args = *a;
  }
  return out;
}

std::string control_response(const Result<nlohmann::json>& result) {
  nlohmann::json r = {{"version", control::kProtocolVersion}, {"ok", result.ok()}};
  if (result) {
    r["result"] = *result;
  } else {
    r["error"] = result.error();
  }
  return r.dump();
}

}  // namespace floatd::daemon
