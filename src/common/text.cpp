#include "floatd/text.hpp"

#include <algorithm>

namespace floatd {
namespace {

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629 §4), or 0 if it is not one.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xbf) return 0;
  }
  return n;
}

bool is_control(unsigned char c, bool keep_newlines) {
  if (keep_newlines && (c == '\n' || c == '\t')) return false;
  return c < 0x20 || c == 0x7f;
}

}  // namespace

std::string sanitize_text(std::string_view raw, std::size_t max_bytes, bool keep_newlines) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr std::string_view kEllipsis = "...";
  std::string out;
  out.reserve(std::min(raw.size(), max_bytes) + 4);
  std::size_t fits = 0;  // the longest prefix of whole pieces that leaves room for the ellipsis
  for (std::size_t i = 0; i < raw.size() && out.size() <= max_bytes;) {
    if (out.size() + kEllipsis.size() <= max_bytes) fits = out.size();
    const auto c = static_cast<unsigned char>(raw[i]);
    const std::size_t n = utf8_length(raw, i);
    if (n == 0 || (n == 1 && is_control(c, keep_newlines))) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
      i += 1;
    } else {
      out.append(raw.substr(i, n));
      i += n;
    }
  }
  if (out.size() <= max_bytes) return out;
  out.resize(fits);
  if (out.size() + kEllipsis.size() <= max_bytes) out += kEllipsis;
  return out;
}

bool is_clean_text(std::string_view text, bool allow_newlines) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text, i);
    if (n == 0 || (n == 1 && is_control(static_cast<unsigned char>(text[i]), allow_newlines))) {
      return false;
    }
    i += n;
  }
  return true;
}

}  // namespace floatd
