// PeerFindings (vrrp/peer_findings.hpp) with a fake clock: each finding RFC 9568 asks to log
// (MODE-6, RX-8, RX-11, RX-12, RX-14) comes out once when it begins or changes, not per advert,
// and again after kForgetAfter of quiet.
#include <doctest/doctest.h>

#include "vrrp/peer_findings.hpp"
#include "vrrp/rx_check.hpp"

using namespace floatd;        // NOLINT
using namespace floatd::vrrp;  // NOLINT
using std::chrono::milliseconds;

namespace {

const IpAddress kA = *IpAddress::parse("192.0.2.1");
const IpAddress kB = *IpAddress::parse("192.0.2.2");
const IpAddress kC = *IpAddress::parse("192.0.2.3");

AdvertSeen advert(const IpAddress& src, Priority p, std::uint32_t warnings = kWarnNone,
                  Centiseconds interval = Centiseconds{100}) {
  return {src, p, interval, warnings};
}

// The findings of one advert that are to be logged now.
std::vector<Finding> logged(const Observations& seen) {
  std::vector<Finding> out;
  for (const auto& o : seen) {
    if (o.log) out.push_back(o.finding);
  }
  return out;
}

}  // namespace

TEST_CASE("peer findings: MODE-6 two sources of priority 255 are logged once, as one pair") {
  FakeClock clock;
  PeerFindings f;
  CHECK(logged(f.observe(advert(kB, 255), 100, clock.now())).empty());  // one owner is the normal case
  clock.advance(milliseconds(500));
  const auto first = logged(f.observe(advert(kA, 255), 100, clock.now()));
  REQUIRE(first.size() == 1);
  CHECK(first[0].kind == FindingKind::kSeveralOwners);
  CHECK(first[0].source == kA);  // the pair in address order, whichever spoke
  CHECK(first[0].other == kB);
  CHECK(describe(first[0], Centiseconds{100}).find("192.0.2.1 and 192.0.2.2") != std::string::npos);
  // Both keep sending: nothing more to log.
  for (int i = 0; i < 20; ++i) {
    clock.advance(milliseconds(500));
    CHECK(logged(f.observe(advert(i % 2 ? kA : kB, 255), 100, clock.now())).empty());
  }
}

TEST_CASE("peer findings: MODE-6 an owner that stopped long ago is forgotten") {
  FakeClock clock;
  PeerFindings f;
  logged(f.observe(advert(kB, 255), 100, clock.now()));
  clock.advance(PeerFindings::kForgetAfter);
  CHECK(logged(f.observe(advert(kA, 255), 100, clock.now())).empty());  // kB replaced by kA, not both
}

TEST_CASE("peer findings: MODE-6 a third owner changes the finding and is logged") {
  FakeClock clock;
  PeerFindings f;
  logged(f.observe(advert(kA, 255), 100, clock.now()));
  CHECK(logged(f.observe(advert(kB, 255), 100, clock.now())).size() == 1);
  clock.advance(milliseconds(100));
  const auto third = logged(f.observe(advert(kC, 255), 100, clock.now()));
  REQUIRE(third.size() == 1);
  CHECK(third[0].source == kA);
  CHECK(third[0].other == kC);
}

TEST_CASE("peer findings: MODE-6 MAY equal priority is logged once per peer") {
  FakeClock clock;
  PeerFindings f;
  const auto tie = logged(f.observe(advert(kB, 100), 100, clock.now()));
  REQUIRE(tie.size() == 1);
  CHECK(tie[0].kind == FindingKind::kEqualPriority);
  CHECK(tie[0].value == 100);
  clock.advance(milliseconds(1000));
  CHECK(logged(f.observe(advert(kB, 100), 100, clock.now())).empty());
  CHECK(logged(f.observe(advert(kB, 90), 100, clock.now())).empty());  // lower: no tie
  CHECK(logged(f.observe(advert(kB, 0), 0, clock.now())).empty());     // resigning is not a tie
  CHECK(logged(f.observe(advert(kC, 100), 100, clock.now())).size() == 1);  // another peer: new
}

TEST_CASE("peer findings: RX-11 an interval mismatch is logged again only when it changes") {
  FakeClock clock;
  PeerFindings f;
  const auto first = logged(f.observe(advert(kB, 90, kWarnIntervalMismatch, Centiseconds{200}), 100,
                               clock.now()));
  REQUIRE(first.size() == 1);
  CHECK(first[0].kind == FindingKind::kIntervalMismatch);
  CHECK(describe(first[0], Centiseconds{100}).find("sends 200 cs, we use 100 cs") !=
        std::string::npos);
  clock.advance(milliseconds(2000));
  CHECK(logged(f.observe(advert(kB, 90, kWarnIntervalMismatch, Centiseconds{200}), 100, clock.now()))
            .empty());
  const auto changed =
      logged(f.observe(advert(kB, 90, kWarnIntervalMismatch, Centiseconds{300}), 100, clock.now()));
  REQUIRE(changed.size() == 1);
  CHECK(changed[0].value == 300);
}

TEST_CASE("peer findings: a finding repeated without pause stays logged once; after kForgetAfter "
          "of quiet it is logged again") {
  FakeClock clock;
  PeerFindings f;
  CHECK(logged(f.observe(advert(kB, 90, kWarnAddressMismatch), 100, clock.now())).size() == 1);
  for (int i = 0; i < 200; ++i) {  // 200 s of adverts: still quiet in the log
    clock.advance(milliseconds(1000));
    CHECK(logged(f.observe(advert(kB, 90, kWarnAddressMismatch), 100, clock.now())).empty());
  }
  clock.advance(PeerFindings::kForgetAfter);
  CHECK(logged(f.observe(advert(kB, 90, kWarnAddressMismatch), 100, clock.now())).size() == 1);
}

TEST_CASE("peer findings: RX-8 RX-12 each warning bit is its own finding") {
  FakeClock clock;
  PeerFindings f;
  const auto found = logged(f.observe(
      advert(kB, 100, kWarnOwnerHeardAdvert | kWarnFirstNotLinkLocal), 255, clock.now()));
  REQUIRE(found.size() == 2);
  CHECK(found[0].kind == FindingKind::kFirstNotLinkLocal);
  CHECK(found[1].kind == FindingKind::kOwnerHeardAdvert);
  CHECK(found[1].value == 100);
  CHECK(describe(found[1], Centiseconds{100}).find("another router configured as owner") !=
        std::string::npos);
}

TEST_CASE("peer findings: RX-11 two peers with the same mismatch are logged once each, not in turn") {
  FakeClock clock;
  PeerFindings f;
  int lines = 0;
  for (int i = 0; i < 20; ++i) {
    clock.advance(milliseconds(500));
    lines += static_cast<int>(logged(f.observe(advert(i % 2 ? kA : kB, 90, kWarnIntervalMismatch,
                                                      Centiseconds{200}),
                                               100, clock.now()))
                                  .size());
  }
  CHECK(lines == 2);
}
