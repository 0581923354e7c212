// JSON written straight into a string, for replies too large to build as a nlohmann tree first
// (the status of thousands of instances). The text is what nlohmann's dump() would give for the
// same tree: no spaces, strings escaped the same way (bytes that are not UTF-8 as U+FFFD), so a
// caller that writes an object's keys in sorted order (as nlohmann's std::map keeps them) gets
// byte for byte the same output. The caller owns the string and may reuse it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace floatd::daemon {

class JsonText {
 public:
  explicit JsonText(std::string& out) : out_(out) {}

  JsonText& begin_object();
  JsonText& end_object();
  JsonText& begin_array();
  JsonText& end_array();
  // The next member's name; the value follows.
  JsonText& key(std::string_view name);
  JsonText& string(std::string_view text);
  JsonText& number(std::uint64_t n);
  JsonText& number(std::int64_t n);
  JsonText& number(int n) { return number(static_cast<std::int64_t>(n)); }
  JsonText& number(double d);
  JsonText& boolean(bool b);
  JsonText& null();
  // A value that is already JSON text (one dumped by nlohmann, say).
  JsonText& raw(std::string_view json);

  std::string& out() { return out_; }

 private:
  void separate();  // the comma before every value but a container's first

  std::string& out_;
  bool first_ = true;
};

}  // namespace floatd::daemon
