#include "daemon/control_request.hpp"

#include "floatd/control_protocol.hpp"

#include <algorithm>

namespace floatd::daemon {

namespace {

// How deeply brackets nest outside strings. Checked before parsing: a deep document is
// cheap to send and expensive to copy or destroy (recursion), and no request needs it.
int nesting(std::string_view body) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<ControlRequest> parse_control_request(std::string_view body) {
  if (nesting(body) > kMaxNesting) {
    return fail("request nests deeper than " + std::to_string(kMaxNesting) + " levels");
  }
  auto req = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
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
    out.args = std::move(*a);
  }
  return out;
}

std::string control_response(Result<nlohmann::json> result) {
  nlohmann::json r = {{"version", control::kProtocolVersion}, {"ok", result.ok()}};
  if (result) {
    r["result"] = std::move(*result);
  } else {
    r["error"] = result.error();
  }
  return dump_json(r);
}

std::string result_suffix() {
  return R"(,"version":)" + std::to_string(control::kProtocolVersion) + "}";
}

// {"ok":true,"result":...,"version":1}: the members in the order dump() sorts them. A reply
// with a writer is the server's to write in steps; here it is written at once.
std::string reply_response(const Result<ControlReply>& reply) {
  if (!reply) return control_response(Result<nlohmann::json>(fail(reply.error())));
  if (!reply->is_text && !reply->writer) return control_response(Result<nlohmann::json>(reply->value));
  std::string out(kResultPrefix);
  if (reply->writer) {
    while (!reply->writer->write_some(out)) {
    }
  } else {
    out += reply->json_text;
  }
  out += result_suffix();
  return out;
}

std::string dump_json(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace floatd::daemon
