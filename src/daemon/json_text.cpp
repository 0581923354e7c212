#include "daemon/json_text.hpp"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

namespace floatd::daemon {
namespace {

// Printable ASCII without a quote or a backslash: written as is. Anything else goes through
// nlohmann's own escaping, so that the rare string with a control byte, a non-ASCII character
// or a byte that is not UTF-8 comes out exactly as dump() writes it.
bool plain(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

void JsonText::separate() {
  if (!first_) out_ += ',';
  first_ = false;
}

JsonText& JsonText::begin_object() {
  separate();
  out_ += '{';
  first_ = true;
  return *this;
}

JsonText& JsonText::end_object() {
  out_ += '}';
  first_ = false;
  return *this;
}

JsonText& JsonText::begin_array() {
  separate();
  out_ += '[';
  first_ = true;
  return *this;
}

JsonText& JsonText::end_array() {
  out_ += ']';
  first_ = false;
  return *this;
}

JsonText& JsonText::key(std::string_view name) {
  string(name);
  out_ += ':';
  first_ = true;  // the value that follows takes no comma
  return *this;
}

JsonText& JsonText::string(std::string_view text) {
  separate();
  if (plain(text)) {
    out_ += '"';
    out_ += text;
    out_ += '"';
  } else {
    out_ += nlohmann::json(std::string(text))
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return *this;
}

JsonText& JsonText::number(std::uint64_t n) {
  separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, r.ptr);
  return *this;
}

JsonText& JsonText::number(std::int64_t n) {
  separate();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  out_.append(buf, r.ptr);
  return *this;
}

// nlohmann writes the shortest text that reads back as `d`, with ".0" when that looks like an
// integer, and null for what JSON cannot hold.
JsonText& JsonText::number(double d) {
  separate();
  if (!std::isfinite(d)) {
    out_ += "null";
    return *this;
  }
  out_ += nlohmann::json(d).dump();
  return *this;
}

JsonText& JsonText::boolean(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}

JsonText& JsonText::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonText& JsonText::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

}  // namespace floatd::daemon
