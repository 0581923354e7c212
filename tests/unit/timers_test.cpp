// Timer math boundaries (rfc-checklist TMR-1, TMR-2, TMR-4, TMR-7).
#include <doctest/doctest.h>

#include "vrrp/timers.hpp"

using floatd::Centiseconds;
using floatd::Microseconds;
using floatd::Version;
using floatd::vrrp::master_down_interval;
using floatd::vrrp::skew_time;

TEST_CASE("v3 skew and master down at priority 100, 1 s") {  // covers: TMR-1, TMR-2, TMR-7
  CHECK(skew_time(Version::kV3, 100, Centiseconds{100}) == Microseconds{609'375});
  CHECK(master_down_interval(Version::kV3, 100, Centiseconds{100}) == Microseconds{3'609'375});
}

TEST_CASE("v3 priority 200 gives FRR's 210 ms / 3210 ms when rounded to centiseconds") {  // TMR-7
  CHECK(skew_time(Version::kV3, 200, Centiseconds{100}) == Microseconds{218'750});
  CHECK(master_down_interval(Version::kV3, 200, Centiseconds{100}) == Microseconds{3'218'750});
}

TEST_CASE("v3 priority 254 skew is not rounded to zero") {  // covers: TMR-7
  CHECK(skew_time(Version::kV3, 254, Centiseconds{100}) == Microseconds{7'812});
  CHECK(master_down_interval(Version::kV3, 254, Centiseconds{100}) == Microseconds{3'007'812});
}

TEST_CASE("v3 maximum interval 40.95 s") {  // covers: TMR-7, TMR-8
  CHECK(skew_time(Version::kV3, 100, Centiseconds{4095}) == Microseconds{24'953'906});
  CHECK(master_down_interval(Version::kV3, 100, Centiseconds{4095}) ==
        Microseconds{3 * 40'950'000 + 24'953'906});
}

TEST_CASE("v3 minimum interval 10 ms") {  // covers: TMR-8
  CHECK(skew_time(Version::kV3, 100, Centiseconds{1}) == Microseconds{6'093});
  CHECK(master_down_interval(Version::kV3, 100, Centiseconds{1}) == Microseconds{36'093});
}

TEST_CASE("v3 skew scales with the learned interval") {  // covers: TMR-1, TMR-3
  CHECK(skew_time(Version::kV3, 100, Centiseconds{10}) == Microseconds{60'937});
  CHECK(skew_time(Version::kV3, 100, Centiseconds{200}) == Microseconds{1'218'750});
}

TEST_CASE("v2 skew is in seconds whatever the interval") {  // covers: TMR-4
  CHECK(skew_time(Version::kV2, 100, Centiseconds{100}) == Microseconds{609'375});
  CHECK(skew_time(Version::kV2, 100, Centiseconds{500}) == Microseconds{609'375});
  // keepalived: v2 prio 100, 1 s -> 3.609375 s
  CHECK(master_down_interval(Version::kV2, 100, Centiseconds{100}) == Microseconds{3'609'375});
  CHECK(master_down_interval(Version::kV2, 100, Centiseconds{500}) == Microseconds{15'609'375});
}

TEST_CASE("v2 one priority step is 3.90625 ms, kept apart") {  // covers: TMR-9
  const auto a = skew_time(Version::kV2, 100, Centiseconds{100});
  const auto b = skew_time(Version::kV2, 101, Centiseconds{100});
  CHECK(a - b == Microseconds{3'907});  // 609375 - 605468 (truncated)
}

TEST_CASE("owner priority 255 has the smallest skew") {  // covers: TMR-1
  CHECK(skew_time(Version::kV3, 255, Centiseconds{100}) == Microseconds{3'906});
  CHECK(skew_time(Version::kV2, 255, Centiseconds{100}) == Microseconds{3'906});
}
