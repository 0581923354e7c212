// Value parsers: booleans, numbers, seconds, names (config/values.hpp).
#include "config/values.hpp"

#include <doctest/doctest.h>

using floatd::Centiseconds;
using namespace floatd::config;

TEST_SUITE_BEGIN("config");

TEST_CASE("booleans accept yes/no true/false on/off 1/0 in any case") {
  for (auto t : {"yes", "YES", "true", "On", "1"}) CHECK(*parse_bool(t) == true);
  for (auto f : {"no", "No", "false", "OFF", "0"}) CHECK(*parse_bool(f) == false);
  const auto bad = parse_bool("maybe");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error() == "\"maybe\" is not a boolean (yes/no, true/false, on/off, 1/0)");
}

TEST_CASE("whole numbers are checked against their range") {
  CHECK(*parse_int("1", 1, 255, "x") == 1);
  CHECK(*parse_int("255", 1, 255, "x") == 255);
  CHECK(parse_int("0", 1, 255, "1..255").error() == "0 is below 1 (1..255)");
  CHECK(parse_int("256", 1, 255, "1..255").error() == "256 is above 255 (1..255)");
  CHECK(parse_int("1x", 1, 255, "1..255").error() == "\"1x\" is not a whole number (1..255)");
  CHECK_FALSE(parse_int("", 1, 255, "x").ok());
  CHECK_FALSE(parse_int("-", 1, 255, "x").ok());
  CHECK_FALSE(parse_int(" 1", 1, 255, "x").ok());
  CHECK_FALSE(parse_int("99999999999999999999", 1, 255, "x").ok());
}

TEST_CASE("weights take a sign and stay within -253..253") {
  CHECK(*parse_weight("-50") == -50);
  CHECK(*parse_weight("+50") == 50);
  CHECK(*parse_weight("253") == 253);
  CHECK(*parse_weight("-253") == -253);
  CHECK(parse_weight("-254").error() == "-254 is below -253 (a weight is -253..253; 0 = fault)");
  CHECK_FALSE(parse_weight("254").ok());
  CHECK_FALSE(parse_weight("--5").ok());
  CHECK_FALSE(parse_weight("- 5").ok());
  CHECK_FALSE(parse_weight("\xE2\x88\x92"
                           "5")
                  .ok());  // a Unicode minus sign
}

TEST_CASE("seconds take up to two decimals") {
  const SecondsRule rule{Centiseconds{1}, Centiseconds{4095}, false, "0.01..40.95"};
  CHECK(*parse_seconds("1", rule) == Centiseconds{100});
  CHECK(*parse_seconds("0.1", rule) == Centiseconds{10});
  CHECK(*parse_seconds("2.5", rule) == Centiseconds{250});
  CHECK(*parse_seconds("2.55", rule) == Centiseconds{255});
  CHECK(*parse_seconds("2.550", rule) == Centiseconds{255});
  CHECK(*parse_seconds("0.01", rule) == Centiseconds{1});
  CHECK(*parse_seconds("40.95", rule) == Centiseconds{4095});
  CHECK(parse_seconds("2.555", rule).error() == "2.555 has more than 2 decimals (0.01..40.95)");
  CHECK(parse_seconds("0.005", rule).error() == "0.005 is below 0.01 (0.01..40.95)");
  CHECK(parse_seconds("40.951", rule).error() == "40.951 is above 40.95 (0.01..40.95)");
  CHECK(parse_seconds("41", rule).error() == "41 is above 40.95 (0.01..40.95)");
  CHECK(parse_seconds("9999999999", rule).error() == "9999999999 is above 40.95 (0.01..40.95)");
  for (auto bad : {"", ".5", "1.", "-1", "1e3", "1,5", "abc", "1.2.3"}) {
    CAPTURE(bad);
    const auto parsed = parse_seconds(bad, rule);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().find("is not a number of seconds") != std::string::npos);
  }
}

TEST_CASE("whole-second rules refuse fractions") {
  const SecondsRule rule{Centiseconds{100}, Centiseconds{25500}, true, "1..255"};
  CHECK(*parse_seconds("3", rule) == Centiseconds{300});
  CHECK(*parse_seconds("3.00", rule) == Centiseconds{300});
  CHECK(parse_seconds("1.5", rule).error() == "1.5 is not a whole number of seconds (1..255)");
}

TEST_CASE("seconds print in their shortest form") {
  CHECK(format_seconds(Centiseconds{0}) == "0");
  CHECK(format_seconds(Centiseconds{1}) == "0.01");
  CHECK(format_seconds(Centiseconds{10}) == "0.1");
  CHECK(format_seconds(Centiseconds{100}) == "1");
  CHECK(format_seconds(Centiseconds{250}) == "2.5");
  CHECK(format_seconds(Centiseconds{4095}) == "40.95");
}

TEST_CASE("interface names follow Linux's rules") {
  CHECK_FALSE(check_ifname("eth0"));
  CHECK_FALSE(check_ifname("enp0s31f6.100"));
  CHECK_FALSE(check_ifname("fifteen-chars-x"));
  CHECK(*check_ifname("sixteen-chars-xx") ==
        "\"sixteen-chars-xx\" is 16 characters; Linux interface names have at most 15");
  for (auto bad : {"", "a/b", "a b", "eth0:1", ".", "..", "a\x1b[m"}) {
    CAPTURE(bad);
    CHECK(check_ifname(bad));
  }
  // The kernel takes these bytes; floatd escapes such a kernel name, so it could never match.
  CHECK(*check_ifname("caf\xe9") == "\"caf\xe9\" is not valid UTF-8");
  CHECK_FALSE(check_ifname("caf\xc3\xa9"));  // UTF-8 é is a name like any other
}

TEST_CASE("section names, paths, commands and users") {
  CHECK_FALSE(check_section_name("web-1.a_b"));
  CHECK(check_section_name("web!"));
  CHECK(check_section_name(""));
  CHECK_FALSE(check_absolute_path("/run/x"));
  CHECK(*check_absolute_path("run/x") == "\"run/x\" is not an absolute path (start it with /)");
  CHECK_FALSE(check_command("/bin/check --port 80"));
  CHECK(check_command("check --port 80"));
  CHECK(check_command(""));
  CHECK_FALSE(check_user("floatd-script"));
  CHECK(check_user("a b"));
  CHECK(check_user("-x"));
  CHECK(check_user(std::string(33, 'a')));
}

TEST_CASE("words split on spaces and tabs") {
  const auto words = split_words("  a\tb   c ");
  REQUIRE(words.size() == 3);
  CHECK(words[0] == "a");
  CHECK(words[2] == "c");
  CHECK(split_words("   ").empty());
}

TEST_SUITE_END();
