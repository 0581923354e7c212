// Control protocol framing, the status table, the rate limiter and floatd's options.
#include <doctest/doctest.h>

#include "cli/status_table.hpp"
#include "daemon/control_command.hpp"
#include "daemon/control_request.hpp"
#include "daemon/options.hpp"
#include "floatd/control_protocol.hpp"
#include "floatd/log.hpp"

using namespace floatd;  // NOLINT

TEST_CASE("frames round-trip and partial input waits for more") {
  const auto f = control::frame("{\"a\":1}");
  CHECK(f.size() == 4 + 7);
  std::size_t used = 0;
  auto partial = control::unframe(std::span(f.data(), 6), control::kMaxRequest, used);
  REQUIRE(partial.ok());
  CHECK_FALSE(partial->has_value());
  auto whole = control::unframe(f, control::kMaxRequest, used);
  REQUIRE(whole.ok());
  CHECK(**whole == "{\"a\":1}");
  CHECK(used == f.size());
}

TEST_CASE("an oversized frame is refused before it is read") {
  const std::vector<std::uint8_t> header = {0x7f, 0xff, 0xff, 0xff};
  std::size_t used = 0;
  CHECK_FALSE(control::unframe(header, control::kMaxRequest, used).ok());
}

TEST_CASE("the status table shows each instance on one line") {
  const auto status = cli::status_table(R"({"version":1,"instances":[{"name":"web","interface":"eth0",
    "vrid":51,"family":"ipv4","version":3,"state":"MASTER","priority":150,"effective_priority":110,
    "master":"192.168.100.2","vips":["192.168.100.100/24"],
    "stats":{"adverts_sent":7,"adverts_received":1,"drops_total":3,"drops":{"bad_ttl":3,"bad_type":0}}}]})");
  REQUIRE(status.ok());
  const std::string& table = *status;
  CHECK(table.find("INSTANCE") == 0);
  CHECK(table.find("web") != std::string::npos);
  CHECK(table.find("MASTER") != std::string::npos);
  CHECK(table.find("150->110") != std::string::npos);
  CHECK(table.find("7/1") != std::string::npos);
  CHECK(table.find("bad_ttl=3") != std::string::npos);
  CHECK(table.find("bad_type") == std::string::npos);
}

TEST_CASE("rate limiter allows a burst per period and counts the rest") {
  RateLimiter r(2, std::chrono::seconds{10});
  MonoTime t{Microseconds{1'000'000}};
  CHECK(r.allow(t) == std::optional<std::uint64_t>{0});
  CHECK(r.allow(t));
  CHECK_FALSE(r.allow(t));
  CHECK_FALSE(r.allow(t));
  CHECK(r.allow(t + std::chrono::seconds{10}) == std::optional<std::uint64_t>{2});
}

TEST_CASE("floatd options") {
  auto o = daemon::parse_options({"-f", "x.conf", "-l", "--pid-file", "p", "--control-socket", "s", "-t"});
  REQUIRE(o.ok());
  CHECK(o->config == "x.conf");
  CHECK(o->log_console);
  CHECK(o->test_config);
  CHECK(o->pid_file == "p");
  CHECK(o->control_socket == "s");
  CHECK_FALSE(daemon::parse_options({"-f"}).ok());
  CHECK_FALSE(daemon::parse_options({"--bogus"}).ok());
}

TEST_CASE("control requests are checked field by field") {
  CHECK(daemon::parse_control_request(R"({"version":1,"command":"status"})").ok());
  auto r = daemon::parse_control_request(R"({"version":1,"command":"status","args":{"name":"web"}})");
  REQUIRE(r.ok());
  CHECK(r->args["name"] == "web");
  CHECK_FALSE(daemon::parse_control_request("not json").ok());
  CHECK_FALSE(daemon::parse_control_request("[1,2]").ok());
  CHECK_FALSE(daemon::parse_control_request(R"({"command":"status"})").ok());
  CHECK_FALSE(daemon::parse_control_request(R"({"version":2,"command":"status"})").ok());
  CHECK_FALSE(daemon::parse_control_request(R"({"version":"1","command":"status"})").ok());
  CHECK_FALSE(daemon::parse_control_request(R"({"version":1,"command":7})").ok());
  CHECK_FALSE(daemon::parse_control_request(R"({"version":1,"command":"status","args":[]})").ok());
}

TEST_CASE("a request becomes a typed command once, its arguments checked") {
  using daemon::parse_control_command;
  using J = nlohmann::json;
  auto status = parse_control_command("status", J::object());
  REQUIRE(status.ok());
  CHECK(std::get<daemon::StatusCommand>(*status).name.empty());
  auto one = parse_control_command("status", J{{"name", "web"}});
  REQUIRE(one.ok());
  CHECK(std::get<daemon::StatusCommand>(*one).name == "web");
  CHECK(parse_control_command("status", J{{"name", 3}}).error() == "name must be a string");
  auto handover = parse_control_command("handover", J{{"name", "web"}});
  REQUIRE(handover.ok());
  CHECK(std::get<daemon::HandoverCommand>(*handover).name == "web");
  CHECK(parse_control_command("handover", J::object()).error() == "handover needs an instance name");
  CHECK(parse_control_command("handover", J{{"name", true}}).error() ==
        "handover needs an instance name");
  auto maint = parse_control_command("maintenance", J{{"name", "web"}, {"on", true}});
  REQUIRE(maint.ok());
  CHECK(std::get<daemon::MaintenanceCommand>(*maint).on);
  CHECK(parse_control_command("maintenance", J{{"name", "web"}, {"on", "yes"}}).error() ==
        "maintenance needs on or off");
  for (const char* c : {"version", "events", "reload", "metrics"}) {
    CAPTURE(c);
    CHECK(parse_control_command(c, J::object()).ok());
  }
  CHECK(parse_control_command("STATUS", J::object()).error() == "unknown command 'STATUS'");
}

TEST_CASE("responses carry the version and either result or error") {
  const auto ok = nlohmann::json::parse(daemon::control_response(nlohmann::json{{"x", 1}}));
  CHECK(ok["version"] == 1);
  CHECK(ok["ok"] == true);
  CHECK(ok["result"]["x"] == 1);
  const auto err = nlohmann::json::parse(daemon::control_response(fail(std::string("nope"))));
  CHECK(err["ok"] == false);
  CHECK(err["error"] == "nope");
}

TEST_CASE("a response with bytes that are not UTF-8 is valid JSON, not an exception") {
  // Issue 10, defect 1's sink: nlohmann's strict dump() threw type_error.316 on "caf\xe9".
  const auto ok = nlohmann::json::parse(daemon::control_response(nlohmann::json{{"out", "caf\xe9"}}));
  CHECK(ok["result"]["out"] == "caf\xef\xbf\xbd");  // U+FFFD
  const auto err = nlohmann::json::parse(daemon::control_response(fail(std::string("caf\xe9 x"))));
  CHECK(err["error"] == "caf\xef\xbf\xbd x");
}

TEST_CASE("a deeply nested request is refused before it is parsed") {
  std::string deep = R"({"version":1,"command":"status","args":{"x":)";
  for (int i = 0; i < 32000; ++i) deep += "[";
  for (int i = 0; i < 32000; ++i) deep += "]";
  deep += "}}";
  auto r = daemon::parse_control_request(deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().find("nests deeper") != std::string::npos);
  // brackets inside strings do not count
  CHECK(daemon::parse_control_request(R"({"version":1,"command":"status","args":{"name":"[[[[[[[[[[[["}})").ok());
}

TEST_CASE("the status table: absent and null shown as '-', notes, paths, byte for byte") {
  const auto table = cli::status_table(R"({"instances":[
    {"name":"a\"b","interface":"eth0","vrid":1,"family":"ipv6","version":3,"v2_compat":true,
     "state":"BACKUP","priority":100,"effective_priority":100,"master":null,"vips":[],
     "own_fault":"link down","maintenance":true,"strangers":[{"source":"10.0.0.9"}],
     "paths":[{"interface":"eth0","state":"ok"},{"interface":"eth1","state":"silent",
               "last_heard_ms":4200}],
     "stats":{"adverts_sent":0,"adverts_received":12,"v2_outranks":1}}],"version":1})");
  REQUIRE(table.ok());
  CHECK(*table ==
        "INSTANCE  IFACE  VRID  AF    VER   STATE   PRIO  MASTER  VIPS  ADV TX/RX  DROPS  "
        "PATHS                      NOTE\n"
        "a\"b       eth0   1     ipv6  3+v2  BACKUP  100   -       -     0/12       0      "
        "eth0 ok, eth1 SILENT 4.2s  link down; maintenance; a v2 router outranks our "
        "sub-second rate; refusing strangers 10.0.0.9\n");
  CHECK(*cli::status_table(R"({"instances":[],"version":1})") == "no instances configured\n");
  CHECK_FALSE(cli::status_table(R"({"instances":[)").ok());
}

TEST_CASE("the JSON tape: values in place, member lookup, escapes, and what it refuses") {
  const std::string text = R"( {"a":[1,-2.5e3,true,null],"b":{"c":"x\u00e9\ud83d\ude00\n\"y"},"a\/":0} )";
  auto tape = cli::JsonTape::read(text);
  REQUIRE(tape.ok());
  const auto a = tape->find(tape->root(), "a");
  REQUIRE(a);
  CHECK(tape->text(*a) == "[1,-2.5e3,true,null]");
  auto first = tape->first_child(*a);
  REQUIRE(first);
  CHECK(tape->number(*first) == 1);
  auto second = tape->next_sibling(*first, *a);
  REQUIRE(second);
  CHECK(tape->number(*second) == -2500);
  const auto c = tape->find(*tape->find(tape->root(), "b"), "c");
  REQUIRE(c);
  CHECK(tape->string(*c) == "x\xc3\xa9\xf0\x9f\x98\x80\n\"y");
  CHECK(tape->find(tape->root(), "a/"));  // names are compared unescaped
  CHECK_FALSE(tape->find(tape->root(), "z"));
  for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "tru", "01x", "\"a\tb\"", "\"caf\xe9\"",
                          "\"\\x\"", "\"\\u12\"", "[1] 2", "{\"a\":1,}", "-", "1.", "1e"}) {
    CAPTURE(bad);
    CHECK_FALSE(cli::JsonTape::read(bad).ok());
  }
  auto top = cli::JsonTape::read(text, 1);  // only the root's members get tokens
  REQUIRE(top.ok());
  REQUIRE(top->find(top->root(), "a"));
  CHECK(top->text(*top->find(top->root(), "a")) == "[1,-2.5e3,true,null]");
  CHECK_FALSE(top->first_child(*top->find(top->root(), "a")));
  CHECK_FALSE(cli::JsonTape::read("{\"a\":[1,]}", 1).ok());  // but all of it is checked
  std::string deep(100, '[');
  deep += std::string(100, ']');
  CHECK_FALSE(cli::JsonTape::read(deep).ok());
}
