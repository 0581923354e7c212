// A JSON text read in place, as a tape: one token per value (and per member name), in document
// order, each pointing into the text. floatctl reads a status of thousands of instances with it:
// no tree of maps and strings is built, nothing is copied, and the bytes of one member (the
// response's "result") can be printed as they came. The reader checks the grammar, the string
// escapes and UTF-8, so what it accepts is JSON that nlohmann::json would accept too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "floatd/result.hpp"

namespace floatd::cli {

class JsonTape {
 public:
  enum class Type : std::uint8_t { kObject, kArray, kString, kNumber, kTrue, kFalse, kNull };
  using Index = std::uint32_t;

  // Reads `text` (kept by reference: it must outlive the tape). An error says where and why.
  // Values nested deeper than `depth` (the root is at 0) are checked but get no token: a
  // container's text is still there whole, and a reader that needs only the top (floatctl
  // status --json) does not pay for the rest.
  static Result<JsonTape> read(std::string_view text, int depth = kMaxDepth);
  static constexpr int kMaxDepth = 64;

  Index root() const { return 0; }
  Type type(Index i) const { return tokens_[i].type; }
  bool is(Index i, Type t) const { return tokens_[i].type == t; }
  // The value's bytes as they are in the text: a string with its quotes and escapes.
  std::string_view text(Index i) const;
  // A string's content, unescaped; "" for anything else.
  std::string string(Index i) const;
  // A number's value (0 for anything else).
  double number(Index i) const;

  // An object's member by name (the first, as nlohmann keeps it), or nullopt.
  std::optional<Index> find(Index object, std::string_view name) const;
  // The children of an array, or the members of an object as (name, value) index pairs:
  // first_child / next_sibling, each nullopt at the end.
  std::optional<Index> first_child(Index container) const;
  std::optional<Index> next_sibling(Index child, Index container) const;

 private:
  struct Token {
    Type type;
    std::uint32_t begin;  // offset in the text
    std::uint32_t end;    // one past the value's last byte
    Index next;           // the token after this value and everything inside it
  };
  friend class TapeReader;

  std::string_view text_;
  std::vector<Token> tokens_;
};

}  // namespace floatd::cli
