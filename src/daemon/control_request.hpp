// Parsing a control request: the JSON body of one frame, checked field by field so that
// nothing malformed reaches a command handler. Pure (fuzzed in tests/fuzz).
#pragma once

#include <memory>
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

// Writes a result's JSON text a part at a time, so that the control server can send a reply of
// megabytes (the status of thousands of instances: status_writer.hpp) with the event loop
// running between the parts.
class ReplyWriter {
 public:
  virtual ~ReplyWriter() = default;
  // Appends the next part of the text to `out`: the same string at every call, left alone in
  // between (a writer may take back what it wrote and start again). Each call does a bounded
  // amount of work. True once the text is complete: valid JSON, UTF-8.
  virtual bool write_some(std::string& out) = 0;
};

// What a command answers: a JSON value, JSON text already written, or a writer of the text.
struct ControlReply {
  ControlReply(nlohmann::json v) : value(std::move(v)) {}  // NOLINT: implicit by design
  static ControlReply text(std::string json) {
    ControlReply r(nullptr);
    r.json_text = std::move(json);
    r.is_text = true;
    return r;
  }
  static ControlReply written(std::unique_ptr<ReplyWriter> writer) {
    ControlReply r(nullptr);
    r.writer = std::move(writer);
    return r;
  }
  nlohmann::json value;
  std::string json_text;  // when is_text: the result, valid JSON (UTF-8) as written
  bool is_text = false;
  std::unique_ptr<ReplyWriter> writer;  // when set, the result is what it writes
};

// A successful response around a result's text, as reply_response() frames it: what goes
// before the text and what after (the members in the order dump() sorts them).
inline constexpr std::string_view kResultPrefix = R"({"ok":true,"result":)";
std::string result_suffix();

// The response body for a result or an error, with the protocol version. The result is moved
// in, not copied: a metrics or instance reply may be a tree of megabytes.
std::string control_response(Result<nlohmann::json> result);
// The same for a reply: its text goes in as is, without being parsed.
std::string reply_response(const Result<ControlReply>& reply);

// Serialises a response or event. Never throws on bytes that are not UTF-8 (nlohmann's strict
// dump() throws type_error.316): each invalid byte goes out as U+FFFD. Text from outside is
// sanitised where it enters; this makes the socket safe regardless.
std::string dump_json(const nlohmann::json& body);

}  // namespace floatd::daemon
