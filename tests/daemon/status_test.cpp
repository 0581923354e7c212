// The status as JSON text written without a tree (status.hpp, json_text.hpp): byte for byte what
// nlohmann's dump() gives for the same value, so that `floatctl status --json` does not change.
#include "daemon/status.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "daemon/instance.hpp"
#include "daemon/json_text.hpp"
#include "daemon/status_writer.hpp"
#include "fake_ports.hpp"
#include "instance_driver.hpp"

using namespace floatd;  // NOLINT
using nlohmann::json;

namespace {

std::string dumped(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

struct Two {
  test::FakePorts ports;
  test::MemoryLog log;
  FakeClock clock;
  daemon::Instance a;
  daemon::Instance b;
  Two()
      : a(test::parse_instance_text("[instance web]\ninterface = eth0\nvirtual_router_id = 51\n"
                                    "priority = 150\nadvert_int = 0.35\n"
                                    "virtual_ipaddress = 192.168.100.100/24\n"
                                    "virtual_ipaddress = 192.168.100.101/32\n"),
          ports, log),
        b(test::parse_instance_text("[instance db]\ninterface = eth0\nvirtual_router_id = 52\n"
                                    "virtual_ipaddress = 192.168.100.102/24\n"),
          ports, log) {
    auto info = test::fake_interface(2, "eth0", "192.168.100.2/24", true);
    for (auto* i : {&a, &b}) {
      i->update_interface(&info, clock.now());
      i->start(clock.now());
    }
    clock.set(*a.next_deadline());
    a.tick(clock.now());  // web becomes Master
  }
};

}  // namespace

TEST_CASE("JSON text escapes strings as dump() does, bytes that are not UTF-8 included") {
  const std::vector<std::string> strings = {
      "",        "plain",    "a\"b", "back\\slash",     "tab\tnl\n", "\x01\x1f", "caf\xc3\xa9",
      "caf\xe9", "\xe2\x82", "\x7f", "\xf0\x9f\x98\x80"};
  for (const auto& s : strings) {
    CAPTURE(s);
    std::string out;
    daemon::JsonText(out).string(s);
    CHECK(out == dumped(json(s)));
  }
}

TEST_CASE("JSON text writes numbers as dump() does") {
  for (int cs = 1; cs <= 4095; ++cs) {
    std::string out;
    daemon::JsonText(out).number(static_cast<double>(cs) / 100.0);
    REQUIRE(out == json(static_cast<double>(cs) / 100.0).dump());
  }
  std::string out;
  daemon::JsonText j(out);
  j.begin_array().number(std::uint64_t{18446744073709551615ULL}).number(std::int64_t{-5});
  j.number(0).boolean(true).null().begin_object().end_object().begin_array().end_array();
  j.end_array();
  CHECK(out == "[18446744073709551615,-5,0,true,null,{},[]]");
}

TEST_CASE("the status text is what dump() gives for the same tree: sorted keys, no spaces") {
  Two t;
  const json more = {{"unknown_vrid_drops", 3},
                     {"undecodable_drops", 4},
                     {"tracking", {{"scripts", json::array()}}}};
  const std::string text = daemon::status_text({&t.a, &t.b}, "", t.clock.now(), more);
  const json parsed = json::parse(text);
  CHECK(dumped(parsed) == text);
  CHECK(parsed["version"] == 1);
  CHECK(parsed["unknown_vrid_drops"] == 3);
  REQUIRE(parsed["instances"].size() == 2);
  const json& web = parsed["instances"][0];
  std::vector<std::string> keys;
  for (const auto& [k, v] : web.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"advert_int", "effective_priority",
                                         "family",     "interface",
                                         "kernel",     "maintenance",
                                         "master",     "master_adver_interval",
                                         "name",       "out_device",
                                         "own_fault",  "paths",
                                         "priority",   "releasing",
                                         "state",      "stats",
                                         "strangers",  "strict_peers",
                                         "v2_compat",  "version",
                                         "vips",       "vrid"});
  CHECK(web["name"] == "web");
  CHECK(web["state"] == "MASTER");
  CHECK(web["advert_int"] == 0.35);
  CHECK(web["vrid"] == 51);
  CHECK(web["vips"] == json{"192.168.100.100/24", "192.168.100.101/32"});
  CHECK(web["stats"]["adverts_sent"] == t.a.stats().adverts_sent);
  CHECK(web["stats"]["drops"].size() == vrrp::kDropReasonCount);
  CHECK(web["stats"].contains("interval_mismatch"));  // a finding, flat beside the counters
  CHECK(web["kernel"]["last_error"].is_null());
  CHECK(parsed["instances"][1]["state"] == "BACKUP");
  CHECK(parsed["instances"][1]["master"].is_null());
}

TEST_CASE("the status text of one instance by name; of none, an empty list") {
  Two t;
  const json one =
      json::parse(daemon::status_text({&t.a, &t.b}, "db", t.clock.now(), json::object()));
  REQUIRE(one["instances"].size() == 1);
  CHECK(one["instances"][0]["name"] == "db");
  CHECK(daemon::instance_status(t.b, t.clock.now()) == one["instances"][0]);
  const std::string none = daemon::status_text({&t.a, &t.b}, "x", t.clock.now(), json::object());
  CHECK(none == R"({"instances":[],"version":1})");
}

TEST_CASE("the status writer writes a step of instances per call, the same text as at once") {
  Two t;
  std::vector<const daemon::Instance*> list;
  for (std::size_t n = 0; n < daemon::StatusWriter::kInstancesPerStep * 2 + 5; ++n) {
    list.push_back(n % 2 == 0 ? &t.a : &t.b);
  }
  const json more = {{"unknown_vrid_drops", 0}};
  daemon::StatusWriter writer(
      {[&] { return list; }, [&] { return t.clock.now(); }, [&] { return more; }}, "");
  std::string text = "prefix";
  int calls = 1;
  while (!writer.write_some(text)) ++calls;
  CHECK(calls == 3);
  CHECK(text == "prefix" + daemon::status_text(list, "", t.clock.now(), more));
  CHECK(json::parse(text.substr(6))["instances"].size() == list.size());
}

TEST_CASE("the status writer starts again when the instances change between steps") {
  Two t;
  std::vector<const daemon::Instance*> list(daemon::StatusWriter::kInstancesPerStep + 1, &t.a);
  daemon::StatusWriter writer(
      {[&] { return list; }, [&] { return t.clock.now(); }, [] { return json::object(); }}, "");
  std::string text;
  REQUIRE_FALSE(writer.write_some(text));
  list.assign(3, &t.b);  // a reload: what was written names instances that may be gone
  REQUIRE(writer.write_some(text));
  CHECK(writer.restarts() == 1);
  CHECK(text == daemon::status_text(list, "", t.clock.now(), json::object()));
}

TEST_CASE("a status writer whose list never holds still answers after kMaxRestarts") {
  Two t;
  std::vector<const daemon::Instance*> list(daemon::StatusWriter::kInstancesPerStep * 4, &t.a);
  daemon::StatusWriter writer({[&] {
                                 list.push_back(&t.b);  // changes at every look
                                 return list;
                               },
                               [&] { return t.clock.now(); }, [] { return json::object(); }},
                              "");
  std::string text;
  int calls = 1;
  while (!writer.write_some(text)) ++calls;
  CHECK(calls == daemon::StatusWriter::kMaxRestarts + 1);
  CHECK(json::parse(text)["instances"].size() > daemon::StatusWriter::kInstancesPerStep * 4);
}
