// VrrpSocket: the raw IP protocol 112 socket of one (interface, family), shared by every VRRP
// instance on that interface.
//
// Receive side: bound to the interface (SO_BINDTODEVICE), joined to 224.0.0.18 / ff02::12
// (GEN-2, GEN-3) with IP(V6)_MULTICAST_ALL off so that groups joined by other sockets do not
// leak in; each packet comes back with the IP facts the codec checks (TTL / hop limit for RX-1,
// source for RX-16, destination for CK-4). The IPv4 header is stripped here; IPv6 facts come
// from ancillary data. Checksums are left to the codec (no IPV6_CHECKSUM).
//
// Send side: TTL / hop limit 255 (PKT-12), TOS / traffic class 0xc0 = DSCP CS6 and multicast
// loop off (PKT-15, as keepalived and FRR). The source address is chosen per packet with
// IP_PKTINFO / IPV6_PKTINFO (PKT-11), never by bind(), which would filter what we receive.
// A packet leaving by another interface than the bound one (a VMAC macvlan, so that the frame
// carries the virtual MAC: PKT-10) goes through a send-only sibling socket bound to that
// interface. (Linux rejects IPV6_PKTINFO naming another interface than the bound one with
// EINVAL unless a link-scope destination's scope id names it too; the sibling also covers
// unicast peers with global addresses, and keeps both families on one rule.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/result.hpp"
#include "floatd/unique_fd.hpp"
#include "vrrp/packet.hpp"

namespace floatd::net {

class VrrpSocket {
 public:
  // Opens the socket (non-blocking, close-on-exec). Needs CAP_NET_RAW.
  static Result<std::unique_ptr<VrrpSocket>, std::string> open(Family family, int ifindex,
                                                               const std::string& ifname);

  int fd() const { return fd_.get(); }  // poll this for input
  Family family() const { return family_; }
  int ifindex() const { return ifindex_; }
  const std::string& ifname() const { return ifname_; }

  // Sends one VRRP message (checksum already filled in by the codec) from src to dst (the group
  // or a unicast peer) out of out_ifindex: this socket's interface, or a VMAC on it.
  Result<Ok, std::string> send(std::span<const std::uint8_t> message, const IpAddress& src,
                               const IpAddress& dst, int out_ifindex);

  // Closes the send-only sibling for out_ifindex, if any: call when a VMAC is deleted.
  // (A send that fails with ENODEV / ENXIO forgets the sibling by itself.)
  void forget_interface(int out_ifindex);

  // Packets per receive(): one recvmmsg() reads up to this many.
  static constexpr std::size_t kBatch = 16;
  // The largest message kept whole: a VRRPv3 IPv6 advert with 255 addresses (8 + 255 * 16),
  // a heartbeat path's trailer after it (40), and room for an IPv4 header (at most 60).
  static constexpr std::size_t kSlotBytes = 4224;

  struct Received {
    // The VRRP message, in the socket's own buffer: valid until the next receive(). Empty if
    // the IPv4 header was bad. A longer packet is cut at kSlotBytes, which no valid advert
    // reaches, so it fails decode()'s length check.
    std::span<const std::uint8_t> message;
    vrrp::PacketInfo info;  // src, dst, TTL / hop limit (-1 when unknown)
    int ifindex = 0;        // the interface it arrived on (IP(V6)_PKTINFO)
    // When the kernel received it (SO_TIMESTAMPNS, CLOCK_REALTIME); 0 when not given.
    std::int64_t arrived_realtime_ns = 0;
  };
  // Reads what is queued, at most min(max, kBatch) packets, with one recvmmsg() and without
  // blocking, into storage the socket owns (no allocation: issue 14). Fewer than asked for
  // means the queue is empty: there is no need to call again to meet EAGAIN.
  Result<std::span<const Received>, std::string> receive(std::size_t max = kBatch);

  VrrpSocket(const VrrpSocket&) = delete;
  VrrpSocket& operator=(const VrrpSocket&) = delete;
  ~VrrpSocket() = default;

 private:
  struct Sender {
    int ifindex = 0;
    std::string ifname;
    UniqueFd fd;
  };

  struct Route {  // where one packet leaves: a descriptor and its interface name (for errors)
    int fd = -1;
    std::string_view ifname;
  };

  VrrpSocket(Family family, int ifindex, std::string ifname, UniqueFd fd);
  Result<Route, std::string> route_for(int out_ifindex);

  Family family_;
  int ifindex_;
  std::string ifname_;
  UniqueFd fd_;
  struct Batch;  // recvmmsg()'s headers and buffers, kBatch of each (vrrp_socket.cpp)
  struct BatchDeleter {
    void operator()(Batch* b) const;
  };

  std::vector<Sender> siblings_;  // send-only sockets on VMACs, a handful at most
  std::unique_ptr<Batch, BatchDeleter> batch_;
};

}  // namespace floatd::net
