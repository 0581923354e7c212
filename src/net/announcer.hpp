// Announcer: puts the Master's gratuitous ARPs and unsolicited NAs on the wire (rfc-checklist
// L2-10, SM-1, SM-5) through one AF_PACKET socket shared by every instance.
//
// The frames come from announce_frames.hpp and are sent whole, Ethernet header included, out
// of the interface the caller names: the VMAC macvlan when there is one, else the parent (the
// source MAC inside the frame is the virtual MAC either way). Protocol 0: the socket only sends
// and never receives anything.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "floatd/ip_address.hpp"
#include "floatd/result.hpp"
#include "floatd/unique_fd.hpp"
#include "net/announce_frames.hpp"

namespace floatd::net {

class Announcer {
 public:
  // Opens the packet socket (non-blocking, close-on-exec). Needs CAP_NET_RAW.
  static Result<Announcer, std::string> open();

  // One gratuitous ARP for an IPv4 vip, from mac (L2-10).
  Result<Ok, std::string> send_garp(int ifindex, MacAddress mac, const IpAddress& vip);
  // One unsolicited NA for an IPv6 vip from the link-local src_ll, Router flag = router
  // (RFC 9568 §6.4.2 sets it; L2-10).
  Result<Ok, std::string> send_na(int ifindex, MacAddress mac, const IpAddress& src_ll,
                                  const IpAddress& vip, bool router);

  // A whole frame built elsewhere (a Router Advertisement, router_advert_frame.hpp).
  Result<Ok, std::string> send_frame(int ifindex, std::span<const std::uint8_t> frame,
                                     std::uint16_t ethertype, const std::string& what);

  int fd() const { return fd_.get(); }

 private:
  explicit Announcer(UniqueFd fd) : fd_(std::move(fd)) {}

  UniqueFd fd_;
};

}  // namespace floatd::net
