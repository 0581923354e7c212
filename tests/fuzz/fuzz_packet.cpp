// Fuzzes the VRRP advert decoder: decode() on any bytes and any IP-layer facts, then, when it
// accepts, check_for_instance() against fixed policies and an encode/decode round trip.
//
// Input: [flags][hop limit][src: 4 or 16 bytes][dst: 4 or 16 bytes][VRRP message ...]
// flags bit 0: src is IPv6; bit 1: dst is IPv6 (a mismatch is allowed: it must not verify a
// pseudo-header). tests/fuzz/make_seeds.sh writes the keepalived captures in this layout.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "vrrp/packet.hpp"
#include "vrrp/rx_check.hpp"

using namespace floatd;
using namespace floatd::vrrp;

namespace {

struct Input {
  PacketInfo info;
  std::span<const std::uint8_t> message;
};

std::optional<Input> split(std::span<const std::uint8_t> data) {
  if (data.size() < 2) return std::nullopt;
  const std::uint8_t flags = data[0];
  Input in;
  in.info.hop_limit = data[1];
  data = data.subspan(2);
  auto take = [&data](bool v6, IpAddress& out) {
    const std::size_t n = v6 ? 16 : 4;
    if (data.size() < n) return false;
    out = *IpAddress::from_bytes(data.first(n));
    data = data.subspan(n);
    return true;
  };
  if (!take(flags & 1, in.info.src) || !take(flags & 2, in.info.dst)) return std::nullopt;
  in.message = data;
  return in;
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::vector<RxPolicy> make_policies() {
  RxPolicy v3;  // the keepalived-v3-ipv4 capture's instance
  v3.vips = {ip("192.168.100.100"), ip("192.168.100.101")};
  RxPolicy v3_owner_message_only = v3;
  v3_owner_message_only.v3_ipv4_checksum = ChecksumForm::kMessageOnly;
  v3_owner_message_only.owner = true;
  RxPolicy v3_v6;
  v3_v6.vips = {ip("fe80::1"), ip("2001:db8::100")};
  RxPolicy v2;
  v2.version = Version::kV2;
  v2.vips = {ip("192.168.100.100")};
  RxPolicy v2_pass = v2;  // keepalived-v2-ipv4-auth: auth_pass secret12
  v2_pass.auth_type = kV2AuthPass;
  v2_pass.auth_data = {'s', 'e', 'c', 'r', 'e', 't', '1', '2'};
  return {v3, v3_owner_message_only, v3_v6, v2, v2_pass};
}

void check_policies(const Decoded& d, const PacketInfo& info) {
  static const std::vector<RxPolicy> policies = make_policies();
  for (const RxPolicy& p : policies) {
    const RxVerdict v = check_for_instance(d, info, p);
    if (v.drop) continue;
    FUZZ_REQUIRE(d.advert.version == p.version, "accepted an advert of another version");
    if (d.advert.version == Version::kV2) {
      FUZZ_REQUIRE(d.advert.auth_type == p.auth_type, "accepted a v2 advert of another auth type");
    }
  }
}

// What encode() is documented to change: v3 Rsvd bits (PKT-4), v2 auth data unless PASS
// (PKT-8), a v2 Adver Int of 0 sent as 1 s (PKT-16), and the checksum itself.
std::vector<std::uint8_t> normalised(std::span<const std::uint8_t> message, const Advert& a,
                                     std::span<const std::uint8_t> encoded) {
  std::vector<std::uint8_t> out(message.begin(), message.end());
  out[6] = encoded[6];
  out[7] = encoded[7];
  if (a.version == Version::kV3) {
    out[4] &= 0x0f;
  } else {
    if (out[5] == 0) out[5] = 1;
    if (a.auth_type != kV2AuthPass) std::fill(out.end() - kV2AuthSize, out.end(), 0);
  }
  return out;
}

Advert normalised(Advert a) {
  if (a.version == Version::kV2) {
    if (a.interval.count() == 0) a.interval = Centiseconds{100};
    if (a.auth_type != kV2AuthPass) a.auth_data = {};
  }
  return a;
}

// decode(encode(decoded.advert)) succeeds, verifies in the same form, and gives the same advert
// and the same bytes up to what encode() normalises.
void check_round_trip(const Decoded& d, const Input& in) {
  const bool v3_ipv4 = d.advert.version == Version::kV3 && in.info.src.is_v4();
  const ChecksumForm form = v3_ipv4 && !d.checksum_pseudo_header ? ChecksumForm::kMessageOnly
                                                                 : ChecksumForm::kPseudoHeader;
  const std::vector<std::uint8_t> bytes = encode(d.advert, in.info.src, in.info.dst, form);
  const auto again = decode(bytes, in.info);
  FUZZ_REQUIRE(again.ok(),
               "decode(encode(decoded)) failed: " + std::string(drop_reason_name(again.error())));
  FUZZ_REQUIRE(again->advert == normalised(d.advert), "round trip changed the advert");
  if (form == ChecksumForm::kMessageOnly) {
    FUZZ_REQUIRE(again->checksum_message_only, "re-encoded message-only checksum fails");
  } else {
    FUZZ_REQUIRE(again->checksum_pseudo_header, "re-encoded checksum fails");
  }
  FUZZ_REQUIRE(bytes == normalised(in.message, d.advert, bytes),
               "re-encoded bytes differ from the input beyond what encode() normalises");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = split({data, size});
  if (!in) return 0;
  const auto decoded = decode(in->message, in->info);
  if (!decoded) return 0;
  FUZZ_REQUIRE(!decoded->advert.addresses.empty(), "accepted an advert without addresses");
  for (const IpAddress& a : decoded->advert.addresses) {
    FUZZ_REQUIRE(a.family() == in->info.src.family(), "address of the other family");
  }
  check_policies(*decoded, in->info);
  check_round_trip(*decoded, *in);
  return 0;
}
