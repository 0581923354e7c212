// v2_compat, RFC 5798 / RFC 9568 §8.4.2 (rfc-checklist IOP-1..IOP-4): receive checks for both
// versions, the v2 copy of a v3 Master ignored, the v3-only Master and the v2 router that
// outranks a sub-second rate reported; a Backup that times out on a v2 Master's rate.
// covers: IOP-1..IOP-4, TMR-3
#include "vrrp/mixed_versions.hpp"

#include <doctest/doctest.h>

#include "vrrp/rx_check.hpp"
#include "vrrp/state_machine.hpp"

using namespace floatd;        // NOLINT
using namespace floatd::vrrp;  // NOLINT

namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

const IpAddress kDual = ip("192.168.100.3");    // a Master in v2_compat: v3 and v2
const IpAddress kV2Only = ip("192.168.100.4");  // keepalived v2
const PacketInfo kFromDual{kDual, ip("224.0.0.18"), 255};
const std::vector<IpAddress> kVips{ip("192.168.100.254")};

Advert advert(Version v, Priority prio, Centiseconds interval) {
  Advert a;
  a.version = v;
  a.vrid = 51;
  a.priority = prio;
  a.interval = interval;
  a.addresses = kVips;
  return a;
}

Decoded received(const Advert& a, const PacketInfo& info) {
  auto r = decode(encode(a, info.src, info.dst), info);
  REQUIRE(r.ok());
  return *r;
}

RxPolicy dual_policy(Centiseconds interval = Centiseconds{10}) {
  RxPolicy p;
  p.version = Version::kV3;
  p.v2_compat = true;
  p.advert_interval = interval;
  p.vips = kVips;
  return p;
}

MonoTime at_ms(int ms) { return MonoTime{Microseconds{1'000'000 + ms * 1000}}; }

}  // namespace

TEST_CASE("IOP-1: without v2_compat a v3 instance drops v2 adverts (RX-2)") {
  RxPolicy p = dual_policy();
  p.v2_compat = false;
  const auto v = check_for_instance(
      received(advert(Version::kV2, 100, Centiseconds{100}), kFromDual), kFromDual, p);
  CHECK(v.drop == DropReason::kVersionMismatch);
}

TEST_CASE("IOP-1: v2_compat hears v2 and v3 adverts") {
  for (Version ver : {Version::kV2, Version::kV3}) {
    const auto v = check_for_instance(
        received(advert(ver, 100, ver == Version::kV2 ? Centiseconds{100} : Centiseconds{10}),
                 kFromDual),
        kFromDual, dual_policy());
    CHECK_FALSE(v.drop.has_value());
    CHECK(v.warnings == kWarnNone);
  }
}

// IOP-3: time out on the Master's rate, so a v2 interval other than ours is learnt (warned, as
// v3's RX-11), not dropped as RX-9 would.
TEST_CASE("IOP-3: a v2 interval other than ours is a warning in v2_compat, not a drop") {
  const auto v = check_for_instance(
      received(advert(Version::kV2, 100, Centiseconds{300}), kFromDual), kFromDual, dual_policy());
  CHECK_FALSE(v.drop.has_value());
  CHECK(v.warnings == kWarnIntervalMismatch);
}

// Our 0.1 s is "1" in v2's whole seconds (v2_interval_seconds): a v2 Master at 1 s matches.
TEST_CASE("IOP-3: a v2 Master at 1 s matches a sub-second v2_compat instance") {
  const auto v = check_for_instance(
      received(advert(Version::kV2, 100, Centiseconds{100}), kFromDual), kFromDual, dual_policy());
  CHECK(v.warnings == kWarnNone);
}

TEST_CASE("IOP-1: v2_compat still checks the v2 password (RX-13)") {
  RxPolicy p = dual_policy();
  p.auth_type = kV2AuthPass;
  p.auth_data = {'s', 'e', 'c', 'r', 'e', 't', '1', '2'};
  Advert a = advert(Version::kV2, 100, Centiseconds{100});
  CHECK(check_for_instance(received(a, kFromDual), kFromDual, p).drop == DropReason::kAuthMismatch);
  a.auth_type = kV2AuthPass;
  a.auth_data = p.auth_data;
  CHECK_FALSE(check_for_instance(received(a, kFromDual), kFromDual, p).drop.has_value());
  // The v3 adverts carry no authentication (RFC 5798 §9) and pass.
  CHECK_FALSE(check_for_instance(received(advert(Version::kV3, 100, Centiseconds{10}), kFromDual),
                                 kFromDual, p)
                  .drop.has_value());
}

TEST_CASE("IOP-3: the v2 copy of a router that sends v3 is ignored") {
  MixedVersions m;
  CHECK_FALSE(
      m.heard(advert(Version::kV3, 150, Centiseconds{10}), kDual, 100, Centiseconds{10}, at_ms(0))
          .ignore);
  CHECK(
      m.heard(advert(Version::kV2, 150, Centiseconds{100}), kDual, 100, Centiseconds{10}, at_ms(0))
          .ignore);
  // Its v3 adverts stop (it became a v2-only router, or lost them): after three of its v3
  // intervals its v2 adverts count again.
  CHECK(m.heard(advert(Version::kV2, 150, Centiseconds{100}), kDual, 100, Centiseconds{10},
                at_ms(300))
            .ignore);
  CHECK_FALSE(m.heard(advert(Version::kV2, 150, Centiseconds{100}), kDual, 100, Centiseconds{10},
                      at_ms(301))
                  .ignore);
  // Another router's v2 adverts are not its copies.
  MixedVersions n;
  n.heard(advert(Version::kV3, 150, Centiseconds{10}), kDual, 100, Centiseconds{10}, at_ms(0));
  CHECK_FALSE(n.heard(advert(Version::kV2, 150, Centiseconds{100}), kV2Only, 100, Centiseconds{10},
                      at_ms(0))
                  .ignore);
}

TEST_CASE("IOP-3 (MAY): a v3 Master that sends no v2 is reported once") {
  MixedVersions m;
  const Advert v3 = advert(Version::kV3, 150, Centiseconds{10});
  CHECK(m.heard(v3, kDual, 100, Centiseconds{10}, at_ms(0)).warnings == kWarnNone);
  CHECK(m.heard(v3, kDual, 100, Centiseconds{10}, at_ms(200)).warnings == kWarnNone);
  CHECK(m.heard(v3, kDual, 100, Centiseconds{10}, at_ms(300)).warnings == kWarnV3OnlyPeer);
  CHECK(m.heard(v3, kDual, 100, Centiseconds{10}, at_ms(400)).warnings == kWarnNone);
  // It sends v2 again, then stops again: reported again.
  m.heard(advert(Version::kV2, 150, Centiseconds{100}), kDual, 100, Centiseconds{10}, at_ms(500));
  CHECK(m.heard(v3, kDual, 100, Centiseconds{10}, at_ms(600)).warnings == kWarnNone);
  CHECK(m.heard(v3, kDual, 100, Centiseconds{10}, at_ms(900)).warnings == kWarnV3OnlyPeer);
}

TEST_CASE("IOP-3 (MAY): a Master that sends both is never reported") {
  MixedVersions m;
  for (int t = 0; t < 10000; t += 100) {
    CHECK(
        m.heard(advert(Version::kV3, 150, Centiseconds{10}), kDual, 100, Centiseconds{10}, at_ms(t))
            .warnings == kWarnNone);
    CHECK(m.heard(advert(Version::kV2, 150, Centiseconds{100}), kDual, 100, Centiseconds{10},
                  at_ms(t))
              .ignore);
  }
}

TEST_CASE("IOP-4: a v2-only router above our sub-second rate's priority is reported") {
  MixedVersions m;
  const Advert v2 = advert(Version::kV2, 200, Centiseconds{100});
  CHECK(m.heard(v2, kV2Only, 150, Centiseconds{10}, at_ms(0)).warnings == kWarnV2Outranks);
  CHECK(m.heard(v2, kV2Only, 150, Centiseconds{10}, at_ms(1000)).warnings == kWarnNone);  // once
  // Below us, or we advertise at whole seconds: nothing to say (RFC 9568 §8.4.2.1.1).
  MixedVersions n;
  CHECK(n.heard(advert(Version::kV2, 100, Centiseconds{100}), kV2Only, 150, Centiseconds{10},
                at_ms(0))
            .warnings == kWarnNone);
  CHECK(n.heard(v2, ip("192.168.100.5"), 150, Centiseconds{100}, at_ms(0)).warnings == kWarnNone);
}

TEST_CASE("mixed versions: at most kMaxSources routers are remembered") {
  MixedVersions m;
  for (int i = 0; i < 40; ++i) {
    const IpAddress a = *IpAddress::parse("10.0.0." + std::to_string(i + 1));
    m.heard(advert(Version::kV3, 100, Centiseconds{10}), a, 100, Centiseconds{10}, at_ms(i));
  }
  // The most recent one is still known: its v2 copy is ignored.
  CHECK(m.heard(advert(Version::kV2, 100, Centiseconds{100}), ip("10.0.0.40"), 100,
                Centiseconds{10}, at_ms(40))
            .ignore);
}

// IOP-3: a v2_compat Backup (a v3 machine) at 0.1 s behind a v2 Master at 1 s times out on
// 1 s, converted to centiseconds: 3 * 100 cs + Skew_Time(100 cs).
TEST_CASE("IOP-3: a Backup times out on a v2 Master's rate, in centiseconds") {
  Params p;
  p.version = Version::kV3;
  p.priority = 100;
  p.advert_interval = Centiseconds{10};
  StateMachine sm(p);
  sm.set_primary_address(ip("192.168.100.2"));
  const MonoTime t0 = at_ms(0);
  sm.handle(Startup{}, t0);
  sm.handle(AdvertReceived{150, Centiseconds{100}, kV2Only}, t0);  // decode: 1 s -> 100 cs
  CHECK(sm.master_adver_interval() == Centiseconds{100});
  CHECK(sm.master_down_interval() == Microseconds{3'000'000 + 609'375});
  CHECK(*sm.next_deadline() == t0 + Microseconds{3'609'375});
  // A v3 Master at 0.1 s takes over from it: its rate again.
  sm.handle(AdvertReceived{150, Centiseconds{10}, kDual}, t0);
  CHECK(*sm.next_deadline() == t0 + Microseconds{360'937});
}

// A v2_compat Backup that has heard nobody may be behind a v2 Master at whole seconds: it
// waits on 1 s, not its own 0.1 s, so that it does not take over between two of its adverts.
TEST_CASE("IOP-3: a v2_compat Backup starts timing out on one whole second") {
  Params p;
  p.version = Version::kV3;
  p.priority = 100;
  p.advert_interval = Centiseconds{10};
  p.v2_compat = true;
  StateMachine sm(p);
  sm.set_primary_address(ip("192.168.100.2"));
  const MonoTime t0 = at_ms(0);
  sm.handle(Startup{}, t0);
  CHECK(sm.master_adver_interval() == Centiseconds{100});
  CHECK(*sm.next_deadline() == t0 + Microseconds{3'609'375});
  // Nobody there: Master after that, then it advertises at its own 0.1 s.
  sm.on_tick(t0 + Microseconds{3'609'375});
  CHECK(sm.state() == State::kMaster);
  CHECK(*sm.next_deadline() == t0 + Microseconds{3'709'375});
  // Without v2_compat: its own rate (TMR-3).
  p.v2_compat = false;
  StateMachine plain(p);
  plain.handle(Startup{}, t0);
  CHECK(*plain.next_deadline() == t0 + Microseconds{360'937});
}
