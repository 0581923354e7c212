// The VRRP raw socket: options at open, IP(V6)_PKTINFO on send, header / ancillary data on
// receive (rfc-checklist PKT-10..PKT-15, RX-1).
#include "net/vrrp_socket.hpp"

#include <linux/filter.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

namespace floatd::net {
namespace {

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29  // linux/in6.h, Linux >= 4.20
#endif

constexpr int kTtl = 255;      // PKT-12
constexpr int kTosCs6 = 0xc0;  // PKT-15: DSCP CS6 ("internet control")
constexpr std::size_t kIpv4MinHeader = 20;

std::string sys_error(std::string_view what, std::string_view ifname, int err) {
  return std::string(what) + " on " + std::string(ifname) + ": " + std::strerror(err);
}

// One socket option; applied in order by set_options(), which stops at the first failure with
// a text like "setsockopt(IP_TTL) on eth0: Operation not permitted".
struct Option {
  int level;
  int name;
  const char* name_text;
  const void* value;
  socklen_t size;
};
#define FLOATD_OPTION(level, name, value) \
  Option { level, name, #name, &(value), sizeof(value) }

Result<Ok, std::string> set_options(int fd, std::span<const Option> options,
                                    std::string_view ifname) {
  for (const Option& o : options) {
    if (::setsockopt(fd, o.level, o.name, o.value, o.size) != 0) {
      return fail(sys_error("setsockopt(" + std::string(o.name_text) + ")", ifname, errno));
    }
  }
  return Ok{};
}

// A raw protocol-112 socket bound to ifname (SO_BINDTODEVICE): it sees only that interface.
Result<UniqueFd, std::string> open_bound(Family family, const std::string& ifname) {
  const int domain = family == Family::kIPv4 ? AF_INET : AF_INET6;
  UniqueFd fd(::socket(domain, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, vrrp::kIpProtoVrrp));
  if (!fd) return fail(sys_error("socket(SOCK_RAW, 112)", ifname, errno));
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_BINDTODEVICE, ifname.c_str(),
                   static_cast<socklen_t>(ifname.size())) != 0) {
    return fail(sys_error("setsockopt(SO_BINDTODEVICE)", ifname, errno));
  }
  // A deep receive queue, so that a flood of bad adverts is dropped by our checks (and counted)
  // rather than by the kernel, which would drop the master's good adverts with them. As root
  // SO_RCVBUFFORCE passes net.core.rmem_max; otherwise the default stays (not an error).
  const int rcvbuf = 4 * 1024 * 1024;
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0) {
    (void)::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  }
  return fd;
}

// PKT-12, PKT-15: hop limit 255 for multicast and unicast, CS6, no loopback of our own adverts.
Result<Ok, std::string> set_send_options(int fd, Family family, std::string_view ifname) {
  const int off = 0;
  if (family == Family::kIPv4) {
    const Option options[] = {
        FLOATD_OPTION(IPPROTO_IP, IP_MULTICAST_LOOP, off),
        FLOATD_OPTION(IPPROTO_IP, IP_MULTICAST_TTL, kTtl),
        FLOATD_OPTION(IPPROTO_IP, IP_TTL, kTtl),
        FLOATD_OPTION(IPPROTO_IP, IP_TOS, kTosCs6),
    };
    return set_options(fd, options, ifname);
  }
  const Option options[] = {
      FLOATD_OPTION(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, off),
      FLOATD_OPTION(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, kTtl),
      FLOATD_OPTION(IPPROTO_IPV6, IPV6_UNICAST_HOPS, kTtl),
      FLOATD_OPTION(IPPROTO_IPV6, IPV6_TCLASS, kTosCs6),
  };
  return set_options(fd, options, ifname);
}

// GEN-2, GEN-3, RX-1: the group on ifindex only, and the IP facts of each received packet.
Result<Ok, std::string> set_receive_options(int fd, Family family, int ifindex,
                                            std::string_view ifname) {
  const int off = 0;
  const int on = 1;
  const IpAddress group = vrrp::multicast_group(family);
  if (family == Family::kIPv4) {
    ip_mreqn mreq{};
    std::memcpy(&mreq.imr_multiaddr, group.bytes().data(), 4);
    mreq.imr_ifindex = ifindex;
    const Option options[] = {
        FLOATD_OPTION(IPPROTO_IP, IP_MULTICAST_ALL, off),
        FLOATD_OPTION(IPPROTO_IP, IP_ADD_MEMBERSHIP, mreq),
        FLOATD_OPTION(IPPROTO_IP, IP_PKTINFO, on),
        FLOATD_OPTION(SOL_SOCKET, SO_TIMESTAMPNS, on),
    };
    return set_options(fd, options, ifname);
  }
  ipv6_mreq mreq{};
  std::memcpy(&mreq.ipv6mr_multiaddr, group.bytes().data(), 16);
  mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
  const Option options[] = {
      FLOATD_OPTION(IPPROTO_IPV6, IPV6_MULTICAST_ALL, off),
      FLOATD_OPTION(IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, mreq),
      FLOATD_OPTION(IPPROTO_IPV6, IPV6_RECVHOPLIMIT, on),
      FLOATD_OPTION(IPPROTO_IPV6, IPV6_RECVPKTINFO, on),
      FLOATD_OPTION(SOL_SOCKET, SO_TIMESTAMPNS, on),
  };
  return set_options(fd, options, ifname);
}

// A send-only socket: a filter that accepts nothing ("ret #0", as keepalived does for its
// send sockets), then drop whatever arrived before the filter was attached.
Result<Ok, std::string> refuse_input(int fd, std::string_view ifname) {
  sock_filter reject_all[] = {BPF_STMT(BPF_RET | BPF_K, 0)};
  const sock_fprog prog{1, reject_all};
  const Option options[] = {FLOATD_OPTION(SOL_SOCKET, SO_ATTACH_FILTER, prog)};
  if (auto r = set_options(fd, options, ifname); !r) return r;
  std::uint8_t scratch[64];
  while (::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) >= 0) {
  }
  return Ok{};
}

// Ancillary data space for in(6)_pktinfo, a hop limit and a receive time, aligned for cmsghdr.
struct alignas(cmsghdr) ControlBuffer {
  std::uint8_t bytes[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(int)) +
                     CMSG_SPACE(sizeof(timespec)) + 64];
};

// Destination and IP(V6)_PKTINFO (PKT-11: source address, and the way out) for one sendmsg.
struct SendHeader {
  sockaddr_storage to{};
  iovec iov{};
  ControlBuffer control{};
  msghdr msg{};

  SendHeader(std::span<const std::uint8_t> message, const IpAddress& src, const IpAddress& dst,
             int out_ifindex) {
    iov = {const_cast<std::uint8_t*>(message.data()), message.size()};
    msg.msg_name = &to;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.bytes;
    if (dst.is_v4())
      fill_v4(src, dst, out_ifindex);
    else
      fill_v6(src, dst, out_ifindex);
  }

  void fill_v4(const IpAddress& src, const IpAddress& dst, int out_ifindex) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&to);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, dst.bytes().data(), 4);
    msg.msg_namelen = sizeof(sockaddr_in);
    in_pktinfo info{};
    info.ipi_ifindex = out_ifindex;
    std::memcpy(&info.ipi_spec_dst, src.bytes().data(), 4);
    add_control(IPPROTO_IP, IP_PKTINFO, &info, sizeof info);
  }

  void fill_v6(const IpAddress& src, const IpAddress& dst, int out_ifindex) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&to);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, dst.bytes().data(), 16);
    // ff02::12 and fe80::/10 peers are link-scoped: the scope is the interface we leave by.
    if (dst.is_multicast() || dst.is_link_local()) {
      sin6->sin6_scope_id = static_cast<std::uint32_t>(out_ifindex);
    }
    msg.msg_namelen = sizeof(sockaddr_in6);
    in6_pktinfo info{};
    info.ipi6_ifindex = static_cast<unsigned>(out_ifindex);
    std::memcpy(&info.ipi6_addr, src.bytes().data(), 16);
    add_control(IPPROTO_IPV6, IPV6_PKTINFO, &info, sizeof info);
  }

  void add_control(int level, int type, const void* data, std::size_t len) {
    msg.msg_controllen = CMSG_SPACE(len);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(len);
    std::memcpy(CMSG_DATA(c), data, len);
  }

  SendHeader(const SendHeader&) = delete;  // msg points into this object
  SendHeader& operator=(const SendHeader&) = delete;
};

std::optional<IpAddress> address_from(const void* data, std::size_t len) {
  return IpAddress::from_bytes({static_cast<const std::uint8_t*>(data), len});
}

// IPv4: the kernel hands us the IP header. RX-1 needs its TTL; the VRRP message follows it.
void parse_v4(std::span<const std::uint8_t> packet, VrrpSocket::Received& r) {
  if (packet.size() < kIpv4MinHeader || (packet[0] >> 4) != 4) return;
  const std::size_t header_len = std::size_t{packet[0] & 0x0fu} * 4;
  const std::size_t total_len = (std::size_t{packet[2]} << 8) | packet[3];
  if (header_len < kIpv4MinHeader || total_len < header_len || total_len > packet.size()) return;
  r.info.hop_limit = packet[8];
  r.info.src = *address_from(&packet[12], 4);
  r.info.dst = *address_from(&packet[16], 4);
  r.message = packet.subspan(header_len, total_len - header_len);
}

// Source from msg_name; destination, ifindex and (IPv6) hop limit from ancillary data.
void parse_meta(const msghdr& msg, VrrpSocket::Received& r) {
  const auto* from = static_cast<const sockaddr_storage*>(msg.msg_name);
  if (from->ss_family == AF_INET) {
    r.info.src = *address_from(&reinterpret_cast<const sockaddr_in*>(from)->sin_addr, 4);
  } else if (from->ss_family == AF_INET6) {
    r.info.src = *address_from(&reinterpret_cast<const sockaddr_in6*>(from)->sin6_addr, 16);
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr;
       c = CMSG_NXTHDR(const_cast<msghdr*>(&msg), c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      in_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      r.ifindex = info.ipi_ifindex;
      r.info.dst = *address_from(&info.ipi_addr, 4);  // the header's destination
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      in6_pktinfo info{};
      std::memcpy(&info, CMSG_DATA(c), sizeof info);
      r.ifindex = static_cast<int>(info.ipi6_ifindex);
      r.info.dst = *address_from(&info.ipi6_addr, 16);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      std::memcpy(&r.info.hop_limit, CMSG_DATA(c), sizeof(int));  // RX-1
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      timespec ts{};
      std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
      r.arrived_realtime_ns = std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
    }
  }
}

}  // namespace

// Allocated once per socket. The packet bytes are not initialised: pages the kernel never
// writes to cost no memory.
struct VrrpSocket::Batch {
  mmsghdr headers[kBatch];
  iovec iov[kBatch];
  sockaddr_storage from[kBatch];
  ControlBuffer control[kBatch];
  Received received[kBatch];
  std::uint8_t bytes[kBatch][kSlotBytes];

  // recvmmsg() overwrites the lengths: set them again before each call.
  void prepare(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      iov[i] = {bytes[i], kSlotBytes};
      msghdr& m = headers[i].msg_hdr;
      m = msghdr{};
      m.msg_name = &from[i];
      m.msg_namelen = sizeof from[i];
      m.msg_iov = &iov[i];
      m.msg_iovlen = 1;
      m.msg_control = control[i].bytes;
      m.msg_controllen = sizeof control[i].bytes;
      headers[i].msg_len = 0;
    }
  }
};

void VrrpSocket::BatchDeleter::operator()(Batch* b) const { delete b; }

VrrpSocket::VrrpSocket(Family family, int ifindex, std::string ifname, UniqueFd fd)
    : family_(family),
      ifindex_(ifindex),
      ifname_(std::move(ifname)),
      fd_(std::move(fd)),
      batch_(new Batch) {}

Result<std::unique_ptr<VrrpSocket>, std::string> VrrpSocket::open(Family family, int ifindex,
                                                                  const std::string& ifname) {
  auto fd = open_bound(family, ifname);
  if (!fd) return fail(fd.error());
  if (auto r = set_send_options(fd->get(), family, ifname); !r) return fail(r.error());
  if (auto r = set_receive_options(fd->get(), family, ifindex, ifname); !r) return fail(r.error());
  return std::unique_ptr<VrrpSocket>(new VrrpSocket(family, ifindex, ifname, std::move(*fd)));
}

Result<VrrpSocket::Route, std::string> VrrpSocket::route_for(int out_ifindex) {
  if (out_ifindex == ifindex_ || out_ifindex == 0) return Route{fd_.get(), ifname_};
  for (const Sender& s : siblings_) {
    if (s.ifindex == out_ifindex) return Route{s.fd.get(), s.ifname};
  }
  char name[IF_NAMESIZE] = {};
  if (::if_indextoname(static_cast<unsigned>(out_ifindex), name) == nullptr) {
    return fail(sys_error("if_indextoname(" + std::to_string(out_ifindex) + ")", ifname_, errno));
  }
  auto fd = open_bound(family_, name);
  if (!fd) return fail(fd.error());
  if (auto r = set_send_options(fd->get(), family_, name); !r) return fail(r.error());
  if (auto r = refuse_input(fd->get(), name); !r) return fail(r.error());
  siblings_.push_back(Sender{out_ifindex, name, std::move(*fd)});
  return Route{siblings_.back().fd.get(), siblings_.back().ifname};
}

Result<Ok, std::string> VrrpSocket::send(std::span<const std::uint8_t> message,
                                         const IpAddress& src, const IpAddress& dst,
                                         int out_ifindex) {
  if (src.family() != family_ || dst.family() != family_) {
    return fail("send on " + ifname_ + ": " + src.to_string() + " -> " + dst.to_string() +
                " is not " + std::string(family_name(family_)));
  }
  auto route = route_for(out_ifindex);
  if (!route) return fail(route.error());
  SendHeader header(message, src, dst, out_ifindex == 0 ? ifindex_ : out_ifindex);
  ssize_t n = -1;
  do {
    n = ::sendmsg(route->fd, &header.msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    const int err = errno;
    std::string text = sys_error("sendmsg to " + dst.to_string(), route->ifname, err);
    if (err == ENODEV || err == ENXIO) forget_interface(out_ifindex);  // the VMAC went away
    return fail(std::move(text));
  }
  return Ok{};
}

void VrrpSocket::forget_interface(int out_ifindex) {
  std::erase_if(siblings_, [&](const Sender& s) { return s.ifindex == out_ifindex; });
}

// One recvmmsg() with MSG_DONTWAIT reads whatever is queued, up to the batch: no second call
// that only returns EAGAIN (issue 14).
Result<std::span<const VrrpSocket::Received>, std::string> VrrpSocket::receive(std::size_t max) {
  Batch& b = *batch_;
  const std::size_t want = std::min(max, kBatch);
  b.prepare(want);
  int n = -1;
  do {
    n = ::recvmmsg(fd_.get(), b.headers, static_cast<unsigned>(want), MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::span<const Received>{};
    return fail(sys_error("recvmmsg", ifname_, errno));
  }
  for (int i = 0; i < n; ++i) {
    const msghdr& msg = b.headers[i].msg_hdr;
    const std::size_t len = std::min<std::size_t>(b.headers[i].msg_len, kSlotBytes);
    const std::span<const std::uint8_t> packet(b.bytes[i], len);
    Received& r = b.received[i];
    r = Received{};
    parse_meta(msg, r);
    if (family_ == Family::kIPv4) {
      parse_v4(packet, r);  // a bad IPv4 header leaves the message empty: kTooShort
    } else {
      r.message = packet;
    }
  }
  return std::span<const Received>(b.received, static_cast<std::size_t>(n));
}

}  // namespace floatd::net
