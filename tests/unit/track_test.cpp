// Tracking policy: rise/fall and the effective priority (keepalived's weight semantics).
#include <doctest/doctest.h>

#include "track/priority.hpp"
#include "track/rise_fall.hpp"

using floatd::track::effective_priority;
using floatd::track::RiseFall;
using floatd::track::TrackedState;
using floatd::track::TrackedValue;

TEST_CASE("fall failures in a row fail a check; rise successes restore it") {
  RiseFall r(2, 3, false);
  CHECK_FALSE(r.record(false));
  CHECK_FALSE(r.record(false));
  CHECK_FALSE(r.record(true));  // the streak is broken
  CHECK_FALSE(r.record(false));
  CHECK_FALSE(r.record(false));
  CHECK(r.would_change(false));
  CHECK(r.record(false));
  CHECK(r.failed());
  CHECK_FALSE(r.record(true));
  CHECK(r.record(true));
  CHECK_FALSE(r.failed());
}

TEST_CASE("init_fail starts failed; rise 1 restores at the first success") {
  RiseFall r(1, 1, true);
  CHECK(r.failed());
  CHECK(r.record(true));
  CHECK_FALSE(r.failed());
}

TEST_CASE("weight 0 failures are faults, named") {
  auto r = effective_priority(150, {{"script chk", 0, true}, {"interface eth1", 0, false}}, {});
  CHECK(r.effective == 150);
  REQUIRE(r.faults.size() == 1);
  CHECK(r.faults[0] == "script chk failed");
}

TEST_CASE("negative weights apply on failure, positive weights while OK") {
  CHECK(effective_priority(150, {{"s", -60, true}}, {}).effective == 90);
  CHECK(effective_priority(150, {{"s", -60, false}}, {}).effective == 150);
  CHECK(effective_priority(100, {{"s", 20, false}}, {}).effective == 120);
  CHECK(effective_priority(100, {{"s", 20, true}}, {}).effective == 100);
}

TEST_CASE("the result is clamped to 1..254 and an owner is never adjusted") {  // covers: MODE-8
  CHECK(effective_priority(100, {{"s", -200, true}}, {}).effective == 1);
  CHECK(effective_priority(200, {{"s", 100, false}}, {}).effective == 254);
  CHECK(effective_priority(255, {{"s", -100, true}}, {}).effective == 255);
}

TEST_CASE("track_file: value times weight; weight 0 means non-zero is a fault") {
  CHECK(effective_priority(150, {}, {{"file maint", -100, 1}}).effective == 50);
  CHECK(effective_priority(150, {}, {{"file maint", -100, 0}}).effective == 150);
  CHECK(effective_priority(150, {}, {{"file boost", 10, 3}}).effective == 180);
  auto r = effective_priority(150, {}, {{"file maint", 0, 2}});
  CHECK(r.faults == std::vector<std::string>{"file maint is 2"});
  CHECK(effective_priority(150, {}, {{"file huge", 1, 99999999}}).effective == 254);
}
