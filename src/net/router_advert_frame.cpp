// Router Advertisement frames (rfc-checklist L2-8), byte by byte.
#include "net/router_advert_frame.hpp"

#include <algorithm>
#include <array>

#include "vrrp/checksum.hpp"

namespace floatd::net {
namespace {

constexpr MacAddress kAllNodesMac{0x33, 0x33, 0x00, 0x00, 0x00, 0x01};  // RFC 2464 §7: ff02::1
constexpr std::array<std::uint8_t, 16> kAllNodes{0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                 0,    0,    0, 0, 0, 0, 0, 1};
constexpr std::uint8_t kIpProtoIcmpv6 = 58;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr std::uint8_t kOptSourceLinkAddr = 1;  // RFC 4861 §4.6.1
constexpr std::uint8_t kOptPrefixInfo = 3;      // §4.6.2
constexpr std::uint8_t kOptMtu = 5;             // §4.6.4

class Bytes {
 public:
  Bytes &u8(std::uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  Bytes &u16(std::uint16_t v) {
    return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
  }
  Bytes &u32(std::uint32_t v) {
    return u16(static_cast<std::uint16_t>(v >> 16)).u16(static_cast<std::uint16_t>(v));
  }
  Bytes &raw(std::span<const std::uint8_t> s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  std::vector<std::uint8_t> &out() { return b_; }

 private:
  std::vector<std::uint8_t> b_;
};

// The prefix with the bits past its length cleared (§4.6.2: they MUST be
// ignored; radvd sends them cleared).
std::array<std::uint8_t, 16> masked(const IpPrefix &p) {
  std::array<std::uint8_t, 16> out{};
  const auto bytes = p.address.bytes();
  for (int i = 0; i < 16; ++i) {
    const int bits = std::clamp(p.prefix_len - i * 8, 0, 8);
    out[i] = static_cast<std::uint8_t>(bytes[i] & (0xff << (8 - bits)));
  }
  return out;
}

}  // namespace

std::vector<std::uint8_t> router_advert_message(const RouterAdvert &ra, const IpAddress &src,
                                                const IpAddress &dst) {
  Bytes w;
  // §4.2: type, code, checksum (below), Cur Hop Limit, M O H Prf Reserved,
  // Router Lifetime, Reachable Time, Retrans Timer.
  w.u8(kIcmpv6RouterAdvert).u8(0).u16(0);
  w.u8(ra.cur_hop_limit);
  w.u8(static_cast<std::uint8_t>((ra.managed ? 0x80 : 0) | (ra.other_config ? 0x40 : 0) |
                                 ((ra.preference & 0x3) << 3)));
  w.u16(ra.router_lifetime).u32(ra.reachable_time).u32(ra.retrans_timer);
  for (const auto &p : ra.prefixes) {  // §4.6.2: 32 octets
    w.u8(kOptPrefixInfo).u8(4).u8(static_cast<std::uint8_t>(p.prefix.prefix_len));
    w.u8(static_cast<std::uint8_t>((p.on_link ? 0x80 : 0) | (p.autonomous ? 0x40 : 0)));
    w.u32(p.valid_lifetime).u32(p.preferred_lifetime).u32(0);
    w.raw(masked(p.prefix));
  }
  if (ra.mtu != 0) w.u8(kOptMtu).u8(1).u16(0).u32(ra.mtu);  // §4.6.4
  if (ra.source_link_layer) w.u8(kOptSourceLinkAddr).u8(1).raw(*ra.source_link_layer);
  auto &message = w.out();
  const std::uint16_t sum =
      vrrp::pseudo_header_v6(src, dst, static_cast<std::uint32_t>(message.size()), kIpProtoIcmpv6)
          .add(message)
          .checksum();
  message[2] = static_cast<std::uint8_t>(sum >> 8);
  message[3] = static_cast<std::uint8_t>(sum);
  return std::move(message);
}

std::vector<std::uint8_t> router_advert_frame(const RouterAdvert &ra, MacAddress src_mac,
                                              const IpAddress &src) {
  if (!src.is_v6()) return {};
  const IpAddress all_nodes = IpAddress::v6(kAllNodes);
  const auto message = router_advert_message(ra, src, all_nodes);
  Bytes w;
  w.raw(kAllNodesMac).raw(src_mac).u16(kEtherTypeIpv6);
  w.u8(0x60).u8(0).u16(0);  // RFC 8200 §3: version 6, traffic class 0, flow label 0
  w.u16(static_cast<std::uint16_t>(message.size())).u8(kIpProtoIcmpv6).u8(255);
  w.raw(src.bytes()).raw(all_nodes.bytes());
  w.raw(message);
  return std::move(w.out());
}

bool valid_router_solicitation(std::span<const std::uint8_t> icmp, int hop_limit,
                               const IpAddress &src) {
  if (hop_limit != 255 || icmp.size() < 8) return false;
  if (icmp[0] != kIcmpv6RouterSolicit || icmp[1] != 0) return false;
  bool has_slla = false;
  for (std::size_t at = 8; at < icmp.size();) {  // §4.1: options after 4 reserved octets
    if (icmp.size() - at < 2 || icmp[at + 1] == 0) return false;
    const std::size_t len = std::size_t{icmp[at + 1]} * 8;
    if (len > icmp.size() - at) return false;
    has_slla = has_slla || icmp[at] == kOptSourceLinkAddr;
    at += len;
  }
  return !(src.is_unspecified() && has_slla);
}

}  // namespace floatd::net
