#include "net/link_monitor.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <span>

#include "net/netlink_message.hpp"

namespace floatd::net {
namespace {

constexpr std::size_t kBufferSize = 65536;  // above the kernel's largest dump datagram
constexpr int kReceiveBuffer = 1 << 20;     // 1 MiB of queued notifications before ENOBUFS
constexpr int kMaxDatagramsPerRead = 64;
constexpr int kDumpAttempts = 3;
constexpr time_t kDumpTimeoutSeconds = 5;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// recvmsg() that only accepts whole datagrams from the kernel (port id 0): a local process
// may unicast to our port id, and its messages must not pass for the kernel's.
// Returns the length, 0 for a datagram to ignore, or -1 with errno (ENOSPC when truncated).
ssize_t receive(int fd, std::vector<std::uint8_t>& buffer) {
  sockaddr_nl from{};
  iovec iov{buffer.data(), buffer.size()};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof(from);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t n = recvmsg(fd, &msg, 0);
  if (n < 0) return -1;
  if ((msg.msg_flags & MSG_TRUNC) != 0) {
    errno = ENOSPC;
    return -1;
  }
  if (msg.msg_namelen != sizeof(from) || from.nl_pid != 0) return 0;
  return n;
}

// What the control messages of one dump reply datagram say.
struct DumpControl {
  bool ours = false;         // the datagram answers our request (sequence number)
  bool done = false;         // NLMSG_DONE
  bool interrupted = false;  // NLM_F_DUMP_INTR: the table changed during the dump
  int error = 0;             // errno from an NLMSG_ERROR
};

DumpControl scan_dump_reply(std::span<const std::uint8_t> data, unsigned int seq) {
  DumpControl c;
  int left = static_cast<int>(data.size());
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(data.data());
  if (!message_fits(nlh, left) || nlh->nlmsg_seq != seq) return c;
  c.ours = true;
  for (; message_fits(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
    if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) != 0) c.interrupted = true;
    if (nlh->nlmsg_type == NLMSG_DONE) c.done = true;
    if (nlh->nlmsg_type == NLMSG_ERROR) {
      c.done = true;
      const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      bool fits = mnl_nlmsg_get_payload_len(nlh) >= sizeof(nlmsgerr);
      c.error = fits && err->error < 0 ? -err->error : (fits ? 0 : EPROTO);
    }
  }
  return c;
}

void build_dump_request(char* buf, int rtm_type, unsigned int seq) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = static_cast<std::uint16_t>(rtm_type);
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = seq;
  if (rtm_type == RTM_GETLINK) {
    auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  } else {
    auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    ifa->ifa_family = AF_UNSPEC;
  }
}

}  // namespace

void LinkMonitor::SocketCloser::operator()(mnl_socket* s) const noexcept { mnl_socket_close(s); }

LinkMonitor::LinkMonitor(Socket events, Socket dumps)
    : events_(std::move(events)), dumps_(std::move(dumps)), buffer_(kBufferSize) {}

LinkMonitor::~LinkMonitor() = default;

Result<std::unique_ptr<LinkMonitor>, std::string> LinkMonitor::open() {
  Socket events(mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC));
  Socket dumps(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC));
  if (!events || !dumps) return fail(errno_text("netlink monitor socket"));
  if (mnl_socket_bind(events.get(), 0, MNL_SOCKET_AUTOPID) < 0 ||
      mnl_socket_bind(dumps.get(), 0, MNL_SOCKET_AUTOPID) < 0) {
    return fail(errno_text("netlink monitor bind"));
  }
  for (int group : {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR}) {
    if (mnl_socket_setsockopt(events.get(), NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
      return fail(errno_text("netlink monitor subscribe"));
    }
  }
  int fd = mnl_socket_get_fd(events.get());
  int size = kReceiveBuffer;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0) {
    return fail(errno_text("netlink monitor receive buffer"));
  }
  timeval timeout{kDumpTimeoutSeconds, 0};
  if (setsockopt(mnl_socket_get_fd(dumps.get()), SOL_SOCKET, SO_RCVTIMEO, &timeout,
                 sizeof(timeout)) < 0) {
    return fail(errno_text("netlink dump timeout"));
  }
  return std::unique_ptr<LinkMonitor>(new LinkMonitor(std::move(events), std::move(dumps)));
}

int LinkMonitor::fd() const { return mnl_socket_get_fd(events_.get()); }

// One dump request; true if the kernel says the dump was interrupted (retry it).
Result<bool, std::string> LinkMonitor::dump_one(int rtm_type, std::vector<NetlinkEvent>& out) {
  const char* what = rtm_type == RTM_GETLINK ? "dump links" : "dump addresses";
  alignas(nlmsghdr) std::array<char, 256> request{};  // header + family header + one u32
  unsigned int seq = ++seq_;
  build_dump_request(request.data(), rtm_type, seq);
  const auto* nlh = reinterpret_cast<const nlmsghdr*>(request.data());
  if (mnl_socket_sendto(dumps_.get(), nlh, nlh->nlmsg_len) < 0) return fail(errno_text(what));
  int fd = mnl_socket_get_fd(dumps_.get());
  bool interrupted = false;
  for (;;) {
    ssize_t n = receive(fd, buffer_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(errno == EAGAIN ? std::string(what) + ": timed out" : errno_text(what));
    std::span<const std::uint8_t> data(buffer_.data(), static_cast<std::size_t>(n));
    DumpControl control = scan_dump_reply(data, seq);
    if (!control.ours) continue;  // a late reply to an earlier, abandoned request
    if (control.error != 0) {
      errno = control.error;
      return fail(errno_text(what));
    }
    ParseResult parsed = parse_netlink(data);
    malformed_ += parsed.malformed;
    for (auto& e : parsed.events) out.push_back(std::move(e));
    interrupted = interrupted || control.interrupted;
    if (control.done) return interrupted;
  }
}

Result<std::vector<NetlinkEvent>, std::string> LinkMonitor::dump() {
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    std::vector<NetlinkEvent> events;
    auto links = dump_one(RTM_GETLINK, events);
    if (!links) return fail(links.error());
    auto addrs = dump_one(RTM_GETADDR, events);
    if (!addrs) return fail(addrs.error());
    if (!*links && !*addrs) return events;
  }
  return fail(std::string("dump: interrupted by changes ") + std::to_string(kDumpAttempts) +
              " times in a row");
}

Result<LinkMonitor::Batch, std::string> LinkMonitor::read() {
  Batch batch;
  for (int i = 0; i < kMaxDatagramsPerRead; ++i) {
    ssize_t n = receive(fd(), buffer_);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      if (errno == ENOBUFS || errno == ENOSPC) {  // notifications lost: caller re-dumps
        batch.overrun = true;
        continue;
      }
      return fail(errno_text("netlink monitor read"));
    }
    ParseResult parsed = parse_netlink({buffer_.data(), static_cast<std::size_t>(n)});
    malformed_ += parsed.malformed;
    for (auto& e : parsed.events) batch.events.push_back(std::move(e));
  }
  return batch;
}

}  // namespace floatd::net
