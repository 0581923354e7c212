#include "cli/json_tape.hpp"

#include <cctype>
#include <cstdlib>

#include "cli/huge_pages.hpp"

namespace floatd::cli {

// Recursive descent over the text, a token appended per value.
class TapeReader {
 public:
  TapeReader(std::string_view text, std::vector<JsonTape::Token>& tokens, int depth)
      : s_(text), tokens_(tokens), recorded_(depth) {}

  Result<Ok> document() {
    if (s_.size() >= UINT32_MAX) return fail(std::string("JSON text too large"));
    ws();
    if (!value(0)) return fail(error());
    ws();
    if (pos_ != s_.size()) return fail(error("trailing bytes"));
    return Ok{};
  }

 private:
  static constexpr int kMaxDepth = JsonTape::kMaxDepth;

  std::string error(const char* why = nullptr) const {
    return "malformed JSON at byte " + std::to_string(why ? pos_ : fail_pos_) + ": " +
           (why ? why : why_);
  }
  bool bad(const char* why) {
    if (why_ == nullptr) {
      why_ = why;
      fail_pos_ = pos_;
    }
    return false;
  }
  void ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

  // A token for the value starting here, or kNone when it is nested deeper than recorded.
  static constexpr std::size_t kNone = SIZE_MAX;
  std::size_t open(JsonTape::Type type) {
    if (depth_ > recorded_) return kNone;
    tokens_.push_back({type, static_cast<std::uint32_t>(pos_), 0, 0});
    return tokens_.size() - 1;
  }
  bool close(std::size_t token) {
    if (token == kNone) return true;
    tokens_[token].end = static_cast<std::uint32_t>(pos_);
    tokens_[token].next = static_cast<JsonTape::Index>(tokens_.size());
    return true;
  }

  bool value(int depth) {
    if (depth > kMaxDepth) return bad("nested too deeply");
    depth_ = depth;
    if (pos_ >= s_.size()) return bad("unexpected end");
    switch (s_[pos_]) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return literal("true", JsonTape::Type::kTrue);
      case 'f':
        return literal("false", JsonTape::Type::kFalse);
      case 'n':
        return literal("null", JsonTape::Type::kNull);
      default:
        return number();
    }
  }

  bool object(int depth) {
    const std::size_t t = open(JsonTape::Type::kObject);
    ++pos_;
    ws();
    if (at('}')) return ++pos_, close(t);
    for (;;) {
      ws();
      if (!at('"')) return bad("expected a member name");
      depth_ = depth + 1;  // a name is recorded where its value is
      if (!string()) return false;
      ws();
      if (!at(':')) return bad("expected ':'");
      ++pos_;
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (at('}')) return ++pos_, close(t);
      if (!at(',')) return bad("expected ',' or '}'");
      ++pos_;
    }
  }

  bool array(int depth) {
    const std::size_t t = open(JsonTape::Type::kArray);
    ++pos_;
    ws();
    if (at(']')) return ++pos_, close(t);
    for (;;) {
      ws();
      if (!value(depth + 1)) return false;
      ws();
      if (at(']')) return ++pos_, close(t);
      if (!at(',')) return bad("expected ',' or ']'");
      ++pos_;
    }
  }

  bool literal(std::string_view word, JsonTape::Type type) {
    if (s_.substr(pos_, word.size()) != word) return bad("invalid literal");
    const std::size_t t = open(type);
    pos_ += word.size();
    return close(t);
  }

  bool digits() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  bool number() {
    const std::size_t t = open(JsonTape::Type::kNumber);
    if (at('-')) ++pos_;
    if (at('0')) {
      ++pos_;
    } else if (!digits()) {
      return bad("invalid value");
    }
    if (at('.')) {
      ++pos_;
      if (!digits()) return bad("invalid number");
    }
    if (at('e') || at('E')) {
      ++pos_;
      if (at('+') || at('-')) ++pos_;
      if (!digits()) return bad("invalid number");
    }
    return close(t);
  }

  // One UTF-8 sequence starting at pos_ (a byte >= 0x80): its length, or 0 when invalid.
  std::size_t utf8_length() const {
    const auto b = [&](std::size_t k) {
      return pos_ + k < s_.size() ? static_cast<unsigned char>(s_[pos_ + k]) : 0u;
    };
    const unsigned c = b(0);
    const auto cont = [&](std::size_t k) { return (b(k) & 0xC0) == 0x80; };
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
      const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
      return b(1) >= lo && b(1) <= hi && cont(2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
      const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
      return b(1) >= lo && b(1) <= hi && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
  }

  bool escape() {
    ++pos_;  // the backslash
    if (pos_ >= s_.size()) return bad("unexpected end");
    const char e = s_[pos_++];
    if (e != 'u') {
      return std::string_view("\"\\/bfnrt").find(e) != std::string_view::npos ||
             bad("invalid escape");
    }
    for (int k = 0; k < 4; ++k, ++pos_) {
      if (pos_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[pos_]))) {
        return bad("invalid \\u escape");
      }
    }
    return true;
  }

  bool string() {
    const std::size_t t = open(JsonTape::Type::kString);
    ++pos_;
    while (pos_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') return ++pos_, close(t);
      if (c < 0x20) return bad("control character in a string");
      if (c == '\\') {
        if (!escape()) return false;
      } else if (c < 0x80) {
        ++pos_;
      } else {
        const std::size_t n = utf8_length();
        if (n == 0) return bad("invalid UTF-8");
        pos_ += n;
      }
    }
    return bad("unterminated string");
  }

  std::string_view s_;
  std::vector<JsonTape::Token>& tokens_;
  std::size_t pos_ = 0;
  const char* why_ = nullptr;
  std::size_t fail_pos_ = 0;
  int recorded_;   // values deeper than this get no token
  int depth_ = 0;  // of the value being read
};

Result<JsonTape> JsonTape::read(std::string_view text, int depth) {
  JsonTape tape;
  tape.text_ = text;
  if (depth >= kMaxDepth) {
    tape.tokens_.reserve(text.size() / 8 + 1);
    advise_huge_pages(tape.tokens_.data(), tape.tokens_.capacity() * sizeof(Token));
  }
  TapeReader reader(text, tape.tokens_, depth);
  if (auto r = reader.document(); !r) return fail(r.error());
  return tape;
}

std::string_view JsonTape::text(Index i) const {
  return text_.substr(tokens_[i].begin, tokens_[i].end - tokens_[i].begin);
}

namespace {

unsigned hex4(std::string_view s) {
  return static_cast<unsigned>(std::strtoul(std::string(s.substr(0, 4)).c_str(), nullptr, 16));
}

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// The \u escape at the front of `s` (after the backslash and 'u'), a surrogate pair joined;
// the characters it used.
std::size_t unescape_u(std::string_view s, std::string& out) {
  unsigned cp = hex4(s);
  std::size_t used = 4;
  if (cp >= 0xD800 && cp <= 0xDBFF && s.size() >= 10 && s[4] == '\\' && s[5] == 'u') {
    const unsigned lo = hex4(s.substr(6));
    if (lo >= 0xDC00 && lo <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      used = 10;
    }
  }
  append_utf8(out, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp);
  return used;
}

}  // namespace

std::string JsonTape::string(Index i) const {
  if (!is(i, Type::kString)) return {};
  const std::string_view raw = text(i).substr(1, text(i).size() - 2);
  if (raw.find('\\') == std::string_view::npos) return std::string(raw);
  std::string out;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    if (raw[k] != '\\') {
      out += raw[k];
      continue;
    }
    const char e = raw[++k];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u':
        k += unescape_u(raw.substr(k + 1), out);
        break;
      default:
        out += e;  // " \ /
    }
  }
  return out;
}

double JsonTape::number(Index i) const {
  if (!is(i, Type::kNumber)) return 0;
  return std::strtod(std::string(text(i)).c_str(), nullptr);
}

std::optional<JsonTape::Index> JsonTape::first_child(Index container) const {
  const Index first = container + 1;
  if (first >= tokens_[container].next) return std::nullopt;
  return first;
}

std::optional<JsonTape::Index> JsonTape::next_sibling(Index child, Index container) const {
  const Index next = tokens_[child].next;
  if (next >= tokens_[container].next) return std::nullopt;
  return next;
}

std::optional<JsonTape::Index> JsonTape::find(Index object, std::string_view name) const {
  if (!is(object, Type::kObject)) return std::nullopt;
  for (auto key = first_child(object); key; key = next_sibling(*key + 1, object)) {
    const std::string_view raw = text(*key).substr(1, text(*key).size() - 2);
    if (raw.find('\\') == std::string_view::npos ? raw == name : string(*key) == name) {
      return *key + 1;
    }
  }
  return std::nullopt;
}

}  // namespace floatd::cli
