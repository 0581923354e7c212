// SolicitationSocket: hears Router Solicitations (RFC 4861 §6.2.6,
// rfc-checklist L2-8) for the instances that send Router Advertisements. One
// raw ICMPv6 socket for the whole daemon, not bound to a device: an
// ICMP6_FILTER passes type 133 only, each packet says the device it came in on
// (IPV6_PKTINFO) and its hop limit (IPV6_HOPLIMIT, which §6.1.1 requires to be
// 255). Hosts solicit ff02::2; join() subscribes a device to it, so that the
// VMAC's macvlan filter and the IPv6 layer let the solicitation through even
// where forwarding is off.
#pragma once

#include <cstddef>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/result.hpp"
#include "floatd/unique_fd.hpp"

namespace floatd::net {

class SolicitationSocket {
 public:
  struct Heard {
    int ifindex = 0;
    IpAddress src;
  };
  // Non-blocking, close-on-exec. Needs CAP_NET_RAW.
  static Result<SolicitationSocket, std::string> open();

  Result<Ok, std::string> join(int ifindex);
  // Up to `max` valid solicitations waiting; invalid ones are skipped and
  // counted in dropped().
  Result<std::vector<Heard>, std::string> receive(std::size_t max);
  std::uint64_t dropped() const { return dropped_; }
  int fd() const { return fd_.get(); }

 private:
  explicit SolicitationSocket(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  std::uint64_t dropped_ = 0;
};

}  // namespace floatd::net
