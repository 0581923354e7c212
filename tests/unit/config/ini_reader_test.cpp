// The INI layer: sections, entries and their line numbers (config/ini_reader.hpp).
#include "config/ini_reader.hpp"

#include <doctest/doctest.h>

using namespace floatd::config;

TEST_SUITE_BEGIN("config");

TEST_CASE("entries carry their line across comments, blank and indented lines") {
  const auto ini = read_ini(
      "# floatd\n"                          // 1
      "\n"                                  // 2
      "[global]\n"                          // 3
      "  router_id = lb-a   # this node\n"  // 4
      "; comment\n"                         // 5
      "\n"                                  // 6
      "[instance web]\n"                    // 7
      "\tinterface = eth0\n"                // 8
      "    virtual_ipaddress = fe80::1\n"   // 9
      "notify = /bin/n a=b\n",              // 10
      "f.conf");
  CHECK(ini.errors.empty());
  REQUIRE(ini.sections.size() == 2);
  CHECK(ini.sections[0].header == "global");
  CHECK(ini.sections[0].loc == SourceLoc{"f.conf", 3});
  REQUIRE(ini.sections[0].entries.size() == 1);
  CHECK(ini.sections[0].entries[0].value == "lb-a");
  CHECK(ini.sections[0].entries[0].loc.line == 4);
  const auto& web = ini.sections[1];
  CHECK(web.display() == "[instance web]");
  CHECK(web.loc.line == 7);
  REQUIRE(web.entries.size() == 3);
  CHECK(web.entries[0].key == "interface");
  CHECK(web.entries[0].loc.line == 8);
  CHECK(web.entries[1].value == "fe80::1");
  CHECK(web.entries[1].loc.line == 9);
  CHECK(web.entries[2].value == "/bin/n a=b");
  CHECK(web.entries[2].loc.line == 10);
}

TEST_CASE("every syntax error is reported, each on its line") {
  const auto ini = read_ini(
      "[global]\n"           // 1
      "router_id lb-a\n"     // 2
      "pid_file = /x\n"      // 3
      "= nothing\n"          // 4
      "\n"                   // 5
      "[instance web\n"      // 6
      "interface = eth0\n"   // 7: in a broken section: dropped, no second error
      "[instance db]\n"      // 8
      "priority 5\n"         // 9
      "interface = eth1\n",  // 10
      "f.conf");
  REQUIRE(ini.errors.size() == 4);
  CHECK(ini.errors[0].loc.line == 2);
  CHECK(ini.errors[0].key == "router_id");
  CHECK(ini.errors[1].loc.line == 4);
  CHECK(ini.errors[2].loc.line == 6);
  CHECK(ini.errors[2].key == "[instance web");
  CHECK(ini.errors[3].loc.line == 9);
  REQUIRE(ini.sections.size() == 2);
  CHECK(ini.sections[0].entries.size() == 1);
  CHECK(ini.sections[1].header == "instance db");
  REQUIRE(ini.sections[1].entries.size() == 1);
  CHECK(ini.sections[1].entries[0].loc.line == 10);
}

TEST_CASE("keys before any section are errors") {
  const auto ini = read_ini("\npriority = 5\n[global]\n", "f.conf");
  REQUIRE(ini.errors.size() == 1);
  CHECK(ini.errors[0].to_string() ==
        "f.conf:2: priority: set outside any section (put it under [global] or [instance NAME])");
}

TEST_CASE("empty sections, empty values, CRLF and a missing final newline") {
  const auto ini = read_ini("[script a]\r\n[script b]\r\nscript =\r\nuser = x", "f.conf");
  CHECK(ini.errors.empty());
  REQUIRE(ini.sections.size() == 2);
  CHECK(ini.sections[0].entries.empty());
  REQUIRE(ini.sections[1].entries.size() == 2);
  CHECK(ini.sections[1].entries[0].value.empty());
  CHECK(ini.sections[1].entries[1].value == "x");
  CHECK(ini.sections[1].entries[1].loc.line == 4);
}

TEST_CASE("an empty text has no sections") {
  const auto ini = read_ini("", "f.conf");
  CHECK(ini.sections.empty());
  CHECK(ini.errors.empty());
}

TEST_SUITE_END();
