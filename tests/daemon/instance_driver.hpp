// Driving one daemon::Instance in a test: its configuration from INI text, and its timer fired
// from a FakeClock as the daemon's loop would. Shared by the instance-level tests.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "config/config.hpp"
#include "daemon/instance.hpp"
#include "floatd/time.hpp"

namespace floatd::test {

// The first [instance] of `text`; a config error fails the test with its FILE:LINE message.
inline config::InstanceConfig parse_instance_text(const std::string& text) {
  auto c = config::parse_string(text, "test.conf");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().front().to_string()));
  return c->instances.front();
}

// Advances `clock` to `until`, firing every deadline of `instance` on the way.
inline void run_until(daemon::Instance& instance, FakeClock& clock, MonoTime until) {
  while (auto d = instance.next_deadline()) {
    if (*d > until) break;
    clock.set(*d);
    instance.tick(clock.now());
  }
  clock.set(until);
}

}  // namespace floatd::test
