// Sending announcement frames over AF_PACKET (rfc-checklist L2-10).
#include "net/announcer.hpp"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "net/interface_name.hpp"

namespace floatd::net {

Result<Announcer, std::string> Announcer::open() {
  UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(std::string("socket(AF_PACKET, SOCK_RAW): ") + std::strerror(errno));
  return Announcer(std::move(fd));
}

Result<Ok, std::string> Announcer::send_frame(int ifindex, std::span<const std::uint8_t> frame,
                                              std::uint16_t ethertype, const std::string& what) {
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ethertype);
  to.sll_ifindex = ifindex;
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, frame.data(), 6);  // the frame's destination MAC
  ssize_t n = -1;
  do {
    n = ::sendto(fd_.get(), frame.data(), frame.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&to), sizeof to);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return fail("sendto(" + what + ") on " + interface_text(ifindex) + ": " + std::strerror(errno));
  }
  return Ok{};
}

Result<Ok, std::string> Announcer::send_garp(int ifindex, MacAddress mac, const IpAddress& vip) {
  const auto frame = gratuitous_arp(mac, vip);
  if (frame.empty()) return fail("gratuitous ARP for " + vip.to_string() + ": not IPv4");
  return send_frame(ifindex, frame, kEtherTypeArp, "gratuitous ARP for " + vip.to_string());
}

Result<Ok, std::string> Announcer::send_na(int ifindex, MacAddress mac, const IpAddress& src_ll,
                                           const IpAddress& vip, bool router) {
  const auto frame = unsolicited_na(mac, src_ll, vip, router);
  if (frame.empty()) {
    return fail("neighbor advertisement for " + vip.to_string() + " from " + src_ll.to_string() +
                ": not IPv6");
  }
  return send_frame(ifindex, frame, kEtherTypeIpv6,
                    "neighbor advertisement for " + vip.to_string());
}

}  // namespace floatd::net
