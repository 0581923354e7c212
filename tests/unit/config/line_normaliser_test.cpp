// Line normalisation before inih (config/line_normaliser.hpp).
#include "config/line_normaliser.hpp"

#include <doctest/doctest.h>

using namespace floatd::config;
using Kind = NormalisedLine::Kind;

namespace {
constexpr std::size_t kMax = 197;
NormalisedLine norm(std::string_view raw) { return normalise_line(raw, kMax, false); }
}  // namespace

TEST_SUITE_BEGIN("config");

TEST_CASE("blank lines and comments become blank") {
  for (auto raw : {"", "   ", "\t", "# comment", ";comment", "    # indented comment", "\r"}) {
    CAPTURE(raw);
    CHECK(norm(raw).kind == Kind::kBlank);
  }
}

TEST_CASE("leading whitespace goes, so nothing is a continuation line") {
  const auto line = norm("    priority = 150");
  CHECK(line.kind == Kind::kKeyValue);
  CHECK(line.text == "priority = 150");
}

TEST_CASE("inline comments start at whitespace then # or ;") {
  CHECK(norm("priority = 150 # the master").text == "priority = 150");
  CHECK(norm("priority = 150\t; the master").text == "priority = 150");
  CHECK(norm("script = /bin/x a#b c;d").text == "script = /bin/x a#b c;d");
  CHECK(norm("priority = 150   \r").text == "priority = 150");
  // Right after the key's '=' too, or the printer could not write the value back (fuzzer).
  CHECK(norm("router_id =#x").text == "router_id =");
  CHECK(norm("auth_pass =;secret").text == "auth_pass =");
  CHECK(norm("auth_pass = a=#b").text == "auth_pass = a=#b");
}

TEST_CASE("section headers are normalised to single spaces") {
  const auto line = norm("  [ instance   web ]  # the web VIP");
  CHECK(line.kind == Kind::kSection);
  CHECK(line.section == "instance web");
  CHECK(line.text == "[instance web]");
}

TEST_CASE("malformed section headers are errors of their own kind") {
  const auto open = norm("[instance web");
  CHECK(open.kind == Kind::kBadSection);
  CHECK(open.key == "[instance web");
  CHECK(open.reason == "section header lacks its closing ']' (write [KIND NAME])");
  CHECK(norm("[instance web] x").kind == Kind::kBadSection);
  CHECK(norm("[instance [web]").kind == Kind::kBadSection);
}

TEST_CASE("a line without '=' is an error that suggests the fix") {
  const auto line = norm("priority 150");
  CHECK(line.kind == Kind::kError);
  CHECK(line.key == "priority");
  CHECK(line.reason ==
        "missing '=' (write \"priority = 150\"; a line is [section], key = value or a # comment)");
  CHECK(norm("nopreempt").reason == "missing '='; a line is [section], key = value or a # comment");
}

TEST_CASE("keys must be present, without ':' and not too long") {
  CHECK(norm("= 5").kind == Kind::kError);
  CHECK(norm("= 5").key == "syntax");
  const auto colon = norm("priority: 150 = x");
  CHECK(colon.kind == Kind::kError);
  CHECK(colon.reason == "':' cannot be part of a key (write key = value)");
  CHECK(norm(std::string(50, 'k') + " = 1").kind == Kind::kError);
  CHECK(norm(std::string(49, 'k') + " = 1").kind == Kind::kKeyValue);
}

TEST_CASE("values may hold ':' and '=' after the first '='") {
  const auto line = norm("virtual_ipaddress = fe80::1/64");
  CHECK(line.kind == Kind::kKeyValue);
  CHECK(norm("notify = /bin/x a=b").text == "notify = /bin/x a=b");
}

TEST_CASE("lines longer than inih takes are errors; long comments are not") {
  const std::string key = "notify = /";
  const std::string fits = key + std::string(kMax - key.size(), 'x');
  CHECK(norm(fits).kind == Kind::kKeyValue);
  const auto too_long = norm(fits + "x");
  CHECK(too_long.kind == Kind::kError);
  CHECK(too_long.key == "notify");
  CHECK(too_long.reason ==
        "line is 198 characters long without comments; at most 197 are accepted");
  CHECK(norm("priority = 1 # " + std::string(300, 'c')).kind == Kind::kKeyValue);
  CHECK(norm("[instance " + std::string(200, 'n') + "]").kind == Kind::kBadSection);
}

TEST_CASE("a byte order mark is dropped on the first line only") {
  CHECK(normalise_line("\xEF\xBB\xBF[global]", kMax, true).kind == Kind::kSection);
  CHECK(normalise_line("\xEF\xBB\xBF[global]", kMax, false).kind == Kind::kError);
}

TEST_CASE("a NUL byte is an error") {
  CHECK(norm(std::string_view("a = b\0c", 7)).kind == Kind::kError);
}

TEST_SUITE_END();
