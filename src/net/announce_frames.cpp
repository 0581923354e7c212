// Gratuitous ARP and unsolicited NA frames (rfc-checklist L2-10), byte by byte.
#include "net/announce_frames.hpp"

#include <array>
#include <span>
#include <utility>

#include "vrrp/checksum.hpp"

namespace floatd::net {
namespace {

constexpr MacAddress kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr MacAddress kAllNodesMac{0x33, 0x33, 0x00, 0x00, 0x00, 0x01};  // RFC 2464 §7: ff02::1
constexpr std::array<std::uint8_t, 16> kAllNodes{0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                 0,    0,    0, 0, 0, 0, 0, 1};
constexpr std::uint8_t kIpProtoIcmpv6 = 58;
constexpr std::uint8_t kNeighborAdvert = 136;   // RFC 4861 §4.4
constexpr std::uint8_t kOptTargetLinkAddr = 2;  // RFC 4861 §4.6.1
constexpr std::uint8_t kNaRouter = 0x80;        // R
constexpr std::uint8_t kNaOverride = 0x20;      // O (S = 0x40 stays clear: unsolicited)
constexpr std::size_t kNaIcmpSize = 24 + 8;     // NA body + one 8-octet option

// Appends bytes to a frame under construction.
class FrameWriter {
 public:
  explicit FrameWriter(std::size_t size) { bytes_.reserve(size); }
  FrameWriter& u8(std::uint8_t v) {
    bytes_.push_back(v);
    return *this;
  }
  FrameWriter& u16(std::uint16_t v) {
    return u8(static_cast<std::uint8_t>(v >> 8)).u8(static_cast<std::uint8_t>(v));
  }
  FrameWriter& raw(std::span<const std::uint8_t> b) {
    bytes_.insert(bytes_.end(), b.begin(), b.end());
    return *this;
  }
  FrameWriter& ethernet(const MacAddress& dst, const MacAddress& src, std::uint16_t type) {
    return raw(dst).raw(src).u16(type);
  }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
};

}  // namespace

std::vector<std::uint8_t> gratuitous_arp(MacAddress src_mac, const IpAddress& vip) {
  if (!vip.is_v4()) return {};
  constexpr MacAddress kZeroMac{};
  FrameWriter w(kGarpFrameSize);
  w.ethernet(kBroadcastMac, src_mac, kEtherTypeArp);
  w.u16(1)                           // hardware type: Ethernet
      .u16(0x0800)                   // protocol type: IPv4
      .u8(6)                         // hardware address length
      .u8(4)                         // protocol address length
      .u16(1);                       // op: request
  w.raw(src_mac).raw(vip.bytes());   // sender HW, sender IP
  w.raw(kZeroMac).raw(vip.bytes());  // target HW (unknown), target IP = sender IP
  return std::move(w.bytes());
}

std::vector<std::uint8_t> unsolicited_na(MacAddress src_mac, const IpAddress& src_ip,
                                         const IpAddress& vip, bool router) {
  if (!src_ip.is_v6() || !vip.is_v6()) return {};
  const IpAddress all_nodes = IpAddress::v6(kAllNodes);
  FrameWriter w(kNaFrameSize);
  w.ethernet(kAllNodesMac, src_mac, kEtherTypeIpv6);
  // IPv6 header (RFC 8200 §3): version 6, traffic class 0, flow label 0.
  w.u8(0x60).u8(0).u16(0);
  w.u16(kNaIcmpSize).u8(kIpProtoIcmpv6).u8(255);  // payload length, next header, hop limit
  w.raw(src_ip.bytes()).raw(all_nodes.bytes());
  // ICMPv6 Neighbor Advertisement (RFC 4861 §4.4); checksum patched in below.
  const std::size_t icmp_at = w.bytes().size();
  w.u8(kNeighborAdvert).u8(0).u16(0);
  w.u8(static_cast<std::uint8_t>(kNaOverride | (router ? kNaRouter : 0))).u8(0).u16(0);
  w.raw(vip.bytes());
  w.u8(kOptTargetLinkAddr).u8(1).raw(src_mac);  // option length in units of 8 octets
  std::vector<std::uint8_t>& frame = w.bytes();
  // RFC 4443 §2.3: checksum over the IPv6 pseudo-header and the ICMPv6 message.
  const std::span<const std::uint8_t> icmp(frame.data() + icmp_at, kNaIcmpSize);
  const std::uint16_t sum =
      vrrp::pseudo_header_v6(src_ip, all_nodes, kNaIcmpSize, kIpProtoIcmpv6).add(icmp).checksum();
  frame[icmp_at + 2] = static_cast<std::uint8_t>(sum >> 8);
  frame[icmp_at + 3] = static_cast<std::uint8_t>(sum);
  return std::move(frame);
}

}  // namespace floatd::net
