// sanitize_text: outside text made safe where it enters (issue 10, defect 1).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "floatd/text.hpp"

using floatd::is_clean_text;
using floatd::sanitize_text;

TEST_CASE("clean UTF-8 passes unchanged") {
  CHECK(sanitize_text("café ok") == "café ok");
  CHECK(sanitize_text("\xe2\x82\xac 5") == "\xe2\x82\xac 5");  // €
  CHECK(sanitize_text("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
  CHECK(is_clean_text("café"));
}

TEST_CASE("invalid UTF-8 and control bytes are escaped") {
  CHECK(sanitize_text("caf\xe9") == "caf\\xe9");                 // Latin-1, the review's case
  CHECK(sanitize_text("a\x01z\x7f") == "a\\x01z\\x7f");
  CHECK(sanitize_text("line1\nline2") == "line1\\x0aline2");
  CHECK(sanitize_text("line1\nline2", 100, true) == "line1\nline2");
  CHECK(sanitize_text("\xc0\xaf") == "\\xc0\\xaf");               // overlong '/'
  CHECK(sanitize_text("\xed\xa0\x80") == "\\xed\\xa0\\x80");      // a surrogate
  CHECK(sanitize_text("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  CHECK(sanitize_text("\xe2\x82") == "\\xe2\\x82");               // cut short
  CHECK(sanitize_text(std::string_view("a\0b", 3)) == "a\\x00b");
  CHECK_FALSE(is_clean_text("caf\xe9"));
  CHECK_FALSE(is_clean_text("a\nb"));
  CHECK(is_clean_text("a\nb", true));
}

TEST_CASE("the limit never splits a character or an escape") {
  CHECK(sanitize_text("abcdef", 6) == "abcdef");
  CHECK(sanitize_text("abcdefg", 6) == "abc...");
  CHECK(sanitize_text("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", 7) == "\xe2\x82\xac...");
  CHECK(sanitize_text("\x01\x02\x03", 9) == "\\x01...");
  CHECK(sanitize_text("abc", 2).size() <= 2);
}

TEST_CASE("whatever the bytes, the result is valid JSON text") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  const std::string clean = sanitize_text(all + all, 100000);
  CHECK(is_clean_text(clean));
  CHECK_NOTHROW((void)nlohmann::json(clean).dump());
}
