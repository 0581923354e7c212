#include "net/solicitation_socket.hpp"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "net/interface_name.hpp"
#include "net/router_advert_frame.hpp"

namespace floatd::net {
namespace {

std::string errno_text(const char *what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

Result<SolicitationSocket, std::string> SolicitationSocket::open() {
  UniqueFd fd(::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6));
  if (fd.get() < 0) return fail(errno_text("socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)"));
  icmp6_filter filter{};
  ICMP6_FILTER_SETBLOCKALL(&filter);
  ICMP6_FILTER_SETPASS(kIcmpv6RouterSolicit, &filter);
  if (::setsockopt(fd.get(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter) < 0) {
    return fail(errno_text("setsockopt(ICMP6_FILTER)"));
  }
  const int on = 1;
  for (int option : {IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT}) {
    if (::setsockopt(fd.get(), IPPROTO_IPV6, option, &on, sizeof on) < 0) {
      return fail(errno_text("setsockopt(IPV6_RECVPKTINFO/IPV6_RECVHOPLIMIT)"));
    }
  }
  return SolicitationSocket(std::move(fd));
}

Result<Ok, std::string> SolicitationSocket::join(int ifindex) {
  ipv6_mreq mreq{};
  const std::array<std::uint8_t, 16> all_routers{0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                                 0,    0,    0, 0, 0, 0, 0, 2};
  std::memcpy(&mreq.ipv6mr_multiaddr, all_routers.data(), 16);
  mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
  if (::setsockopt(fd_.get(), IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0 &&
      errno != EADDRINUSE) {
    return fail(errno_text(("joining ff02::2 on " + interface_text(ifindex)).c_str()));
  }
  return Ok{};
}

Result<std::vector<SolicitationSocket::Heard>, std::string> SolicitationSocket::receive(
    std::size_t max) {
  std::vector<Heard> out;
  while (out.size() < max) {
    std::array<std::uint8_t, 1500> buf{};
    alignas(cmsghdr) std::array<char, 256> control{};
    sockaddr_in6 from{};
    iovec iov{buf.data(), buf.size()};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return fail(errno_text("recvmsg(router solicitation)"));
    }
    int ifindex = 0;
    int hop_limit = -1;
    for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != IPPROTO_IPV6) continue;
      if (c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        ifindex = static_cast<int>(info.ipi6_ifindex);
      } else if (c->cmsg_type == IPV6_HOPLIMIT) {
        std::memcpy(&hop_limit, CMSG_DATA(c), sizeof hop_limit);
      }
    }
    std::array<std::uint8_t, 16> src_bytes{};
    std::memcpy(src_bytes.data(), &from.sin6_addr, 16);
    const IpAddress src = IpAddress::v6(src_bytes);
    const std::span<const std::uint8_t> icmp(buf.data(), static_cast<std::size_t>(n));
    if (ifindex == 0 || !valid_router_solicitation(icmp, hop_limit, src)) {
      ++dropped_;
      continue;
    }
    out.push_back({ifindex, src});
  }
  return out;
}

}  // namespace floatd::net
