// Error reporting: the format, and every error collected from both passes, in line order.
#include <doctest/doctest.h>

#include "config_test_util.hpp"

using namespace floatd::config;
using namespace floatd::config::test;

TEST_SUITE_BEGIN("config");

TEST_CASE("errors print as FILE:LINE: key: reason") {
  CHECK(ConfigError{{"conf.d/web.conf", 12}, "advert_int", "too small"}.to_string() ==
        "conf.d/web.conf:12: advert_int: too small");
  CHECK(ConfigError{{"f.conf", 3}, "[instance web]", "x"}.to_string() ==
        "f.conf:3: [instance web]: x");
  CHECK(ConfigError{{"f.conf", 0}, "", "cannot read: No such file or directory"}.to_string() ==
        "f.conf:0: cannot read: No such file or directory");
}

// Defect 1 (issue 10): a reason quotes the file's own bytes; the printed line is safe text.
TEST_CASE("an error that quotes bytes from the file prints them escaped") {
  CHECK(ConfigError{{"f.conf", 4}, "interface", "\"a\x1b[2Jb\" is not valid"}.to_string() ==
        "f.conf:4: interface: \"a\\x1b[2Jb\" is not valid");
  const std::string long_reason(5000, 'x');
  CHECK(ConfigError{{"f.conf", 4}, "k", long_reason}.to_string().size() <=
        ConfigError::kMaxErrorBytes);
  CHECK(one_error("[instance web]\ninterface = caf\xe9\nvirtual_router_id = 51\n"
                  "priority = 100\nvirtual_ipaddress = 192.0.2.1/24\n") ==
        "t.conf:2: interface: \"caf\\xe9\" is not valid UTF-8");
}

TEST_CASE("a text with three errors gives exactly those three, on their lines") {
  const auto errors = errors_of(
      "# three mistakes\n"                  // 1
      "[instance web]\n"                    // 2
      "  interface = eth0\n"                // 3
      "\n"                                  // 4
      "virtual_router_id = 51\n"            // 5
      "preempt yes\n"                       // 6: syntax (line layer)
      "\tvirtual_ipaddress = 10.0.0.100\n"  // 7
      "  ; comment\n"                       // 8
      "priority = 300   # too high\n"       // 9: range (parse pass)
      "track_script = chk_web\n");          // 10: undefined (validation pass)
  REQUIRE(errors.size() == 3);
  CHECK(errors[0] ==
        "t.conf:6: preempt: missing '=' (write \"preempt = yes\"; a line is [section], key = "
        "value or a # comment)");
  CHECK(errors[1] ==
        "t.conf:9: priority: 300 is above 255 (1..255, default 100; 255 = address owner)");
  CHECK(errors[2] == "t.conf:10: track_script: no [script chk_web] is defined");
}

TEST_CASE("errors from the parse and validation passes are all reported, sorted by line") {
  const auto errors = errors_of(
      "[instance a]\n"                  // 1
      "interface = eth0\n"              // 2
      "virtual_router_id = 7\n"         // 3
      "virtual_ipaddress = 10.0.0.1\n"  // 4
      "unicast_peer = 2001:db8::1\n"    // 5: family (validation)
      "bogus = 1\n"                     // 6: unknown key (parse)
      "[instance b]\n"                  // 7
      "interface = eth0\n"              // 8
      "virtual_router_id = 7\n"         // 9: VRID clash (validation)
      "virtual_ipaddress = 10.0.0.2\n"  // 10
      "advert_int = 50\n");             // 11: range (parse)
  REQUIRE(errors.size() == 4);
  CHECK(contains(errors[0], "t.conf:5: unicast_peer:"));
  CHECK(contains(errors[1], "t.conf:6: bogus:"));
  CHECK(contains(errors[2], "t.conf:9: virtual_router_id:"));
  CHECK(contains(errors[3], "t.conf:11: advert_int:"));
}

TEST_CASE("sort_errors orders by file load order, then line") {
  Errors errors{{{"b.conf", 1}, "k", "1"},
                {{"a.conf", 9}, "k", "2"},
                {{"b.conf", 0}, "", "3"},
                {{"a.conf", 2}, "k", "4"}};
  sort_errors(errors, {"b.conf", "a.conf"});
  CHECK(errors[0].reason == "3");
  CHECK(errors[1].reason == "1");
  CHECK(errors[2].reason == "4");
  CHECK(errors[3].reason == "2");
}

TEST_SUITE_END();
