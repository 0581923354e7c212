// A small driver for tests/netns/socket_test.sh: sends and receives VRRPv3 adverts through
// net::VrrpSocket and announcements through net::Announcer, printing what it saw.
//
//   recv <v4|v6> IFNAME COUNT TIMEOUT_MS       prints "ready", then one line per packet
//   send <v4|v6> IFNAME SRC DST [OUT_IFNAME] [--loop]
//                                              one advert; prints "looped N": our own copies
//                                              seen within 300 ms (--loop turns loopback on,
//                                              the positive control for that check)
//   garp IFNAME MAC VIP
//   na IFNAME MAC SRC_LL VIP ROUTER(0|1)
// Exit 0 on success, 1 on failure, 2 on bad usage.
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "net/announcer.hpp"
#include "net/vrrp_socket.hpp"
#include "vrrp/drop_reason.hpp"
#include "vrrp/packet.hpp"

using namespace floatd;

namespace {

int usage() {
  std::fprintf(stderr, "usage: see the comment at the top of vrrp_socket_probe.cpp\n");
  return 2;
}

std::optional<IpAddress> arg_ip(const char* text) {
  auto a = IpAddress::parse(text);
  if (!a) std::fprintf(stderr, "bad address %s\n", text);
  return a;
}

std::optional<vrrp::MacAddress> arg_mac(const char* text) {
  unsigned m[6];
  if (std::sscanf(text, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6) {
    std::fprintf(stderr, "bad MAC %s\n", text);
    return std::nullopt;
  }
  vrrp::MacAddress mac{};
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(m[i]);
  return mac;
}

int arg_ifindex(const char* name) {
  const int index = static_cast<int>(::if_nametoindex(name));
  if (index == 0) std::fprintf(stderr, "no interface %s\n", name);
  return index;
}

Result<std::unique_ptr<net::VrrpSocket>, std::string> open_socket(const char* family,
                                                                  const char* ifname) {
  const Family f = std::string(family) == "v6" ? Family::kIPv6 : Family::kIPv4;
  const int index = arg_ifindex(ifname);
  if (index == 0) return fail(std::string("no interface"));
  return net::VrrpSocket::open(f, index, ifname);
}

// VRID 51, priority 100, 1 s; IPv6 lists a link-local first (PKT-7).
vrrp::Advert test_advert(Family f) {
  vrrp::Advert a;
  a.vrid = 51;
  a.priority = 100;
  a.interval = Centiseconds{100};
  if (f == Family::kIPv4) {
    a.addresses = {*IpAddress::parse("192.168.100.100")};
  } else {
    a.addresses = {*IpAddress::parse("fe80::5e:33"), *IpAddress::parse("2001:db8::100")};
  }
  return a;
}

void print_received(const net::VrrpSocket::Received& r) {
  std::printf("packet ifindex=%d src=%s dst=%s hop=%d len=%zu ", r.ifindex,
              r.info.src.to_string().c_str(), r.info.dst.to_string().c_str(), r.info.hop_limit,
              r.message.size());
  const auto d = vrrp::decode(r.message, r.info);
  if (d) {
    std::printf("decode=ok vrid=%d prio=%d count=%zu\n", d->advert.vrid, d->advert.priority,
                d->advert.addresses.size());
  } else {
    std::printf("decode=%s\n", std::string(vrrp::drop_reason_name(d.error())).c_str());
  }
}

// Waits up to timeout_ms for input on fd (poll, not sleep); false on timeout.
bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

int cmd_recv(char** argv) {
  auto sock = open_socket(argv[0], argv[1]);
  if (!sock) return std::fprintf(stderr, "%s\n", sock.error().c_str()), 1;
  const std::size_t want = std::strtoul(argv[2], nullptr, 10);
  const int timeout_ms = static_cast<int>(std::strtol(argv[3], nullptr, 10));
  std::printf("ready\n");
  std::fflush(stdout);
  std::size_t got = 0;
  while (got < want && wait_readable((*sock)->fd(), timeout_ms)) {
    auto packets = (*sock)->receive();
    if (!packets) return std::fprintf(stderr, "%s\n", packets.error().c_str()), 1;
    for (const auto& r : *packets) print_received(r);
    got += packets->size();
    std::fflush(stdout);
  }
  return got >= want ? 0 : 1;
}

int cmd_send(int argc, char** argv) {
  auto sock = open_socket(argv[0], argv[1]);
  if (!sock) return std::fprintf(stderr, "%s\n", sock.error().c_str()), 1;
  const auto src = arg_ip(argv[2]);
  const auto dst = arg_ip(argv[3]);
  if (!src || !dst) return 2;
  int out = (*sock)->ifindex();
  bool loop = false;
  for (int i = 4; i < argc; ++i) {
    if (std::string(argv[i]) == "--loop")
      loop = true;
    else if ((out = arg_ifindex(argv[i])) == 0)
      return 2;
  }
  if (loop) {  // the positive control: the loopback check below must then see our packet
    const int on = 1;
    const bool v4 = src->is_v4();
    ::setsockopt((*sock)->fd(), v4 ? IPPROTO_IP : IPPROTO_IPV6,
                 v4 ? IP_MULTICAST_LOOP : IPV6_MULTICAST_LOOP, &on, sizeof on);
  }
  const auto message = vrrp::encode(test_advert(src->family()), *src, *dst);
  if (auto r = (*sock)->send(message, *src, *dst, out); !r) {
    return std::fprintf(stderr, "%s\n", r.error().c_str()), 1;
  }
  std::size_t looped = 0;
  if (wait_readable((*sock)->fd(), 300)) {
    auto packets = (*sock)->receive();
    if (packets) looped = packets->size();
  }
  std::printf("sent looped %zu\n", looped);
  return 0;
}

int cmd_garp(char** argv) {
  const int index = arg_ifindex(argv[0]);
  const auto mac = arg_mac(argv[1]);
  const auto vip = arg_ip(argv[2]);
  if (index == 0 || !mac || !vip) return 2;
  auto announcer = net::Announcer::open();
  if (!announcer) return std::fprintf(stderr, "%s\n", announcer.error().c_str()), 1;
  auto r = announcer->send_garp(index, *mac, *vip);
  if (!r) return std::fprintf(stderr, "%s\n", r.error().c_str()), 1;
  return 0;
}

int cmd_na(char** argv) {
  const int index = arg_ifindex(argv[0]);
  const auto mac = arg_mac(argv[1]);
  const auto src = arg_ip(argv[2]);
  const auto vip = arg_ip(argv[3]);
  if (index == 0 || !mac || !src || !vip) return 2;
  auto announcer = net::Announcer::open();
  if (!announcer) return std::fprintf(stderr, "%s\n", announcer.error().c_str()), 1;
  auto r = announcer->send_na(index, *mac, *src, *vip, std::string(argv[4]) == "1");
  if (!r) return std::fprintf(stderr, "%s\n", r.error().c_str()), 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  const int rest = argc - 2;
  char** args = argv + 2;
  if (cmd == "recv" && rest == 4) return cmd_recv(args);
  if (cmd == "send" && rest >= 4 && rest <= 6) return cmd_send(rest, args);
  if (cmd == "garp" && rest == 3) return cmd_garp(args);
  if (cmd == "na" && rest == 5) return cmd_na(args);
  return usage();
}
