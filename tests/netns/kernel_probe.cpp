// kernel_probe: drives src/net (Kernel, LinkMonitor, sysctl) for tests/netns/kernel_test.sh.
// Run it only inside a test namespace (ip netns exec). One command per run; prints results on
// stdout, one line each, and exits 0, or prints the error on stderr and exits 1.
//
//   add IF PREFIX [LABEL] (prints created or existed)      remove IF PREFIX        vmac PARENT NAME MAC     delete IF
//   add-batch IF,PREFIX...     one send_adds() then collect_adds(): a line per add, in order
//                              (created, existed, or "failed: " and the error); exits 0
//   dump                       monitor SECONDS         overrun IF
//   sysctl PARENT VMAC         sysctl-cycle PARENT VMAC
//   capture SECONDS            raw notifications as hex, for tests/unit/netlink_events_test.cpp
//   capture-dump               raw RTM_GETADDR dump reply datagrams as hex, likewise
// IF is a name, or #N for an ifindex.
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "net/kernel.hpp"
#include "net/link_monitor.hpp"
#include "net/sysctl.hpp"

using namespace floatd;
using namespace floatd::net;

namespace {

int die(const std::string& message) {
  std::fprintf(stderr, "kernel_probe: %s\n", message.c_str());
  return 1;
}

int ifindex_of(const std::string& name) {
  if (!name.empty() && name[0] == '#') return std::atoi(name.c_str() + 1);
  return static_cast<int>(if_nametoindex(name.c_str()));
}

std::string mac_text(const MacAddress& m) {
  char text[18];
  std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
                m[5]);
  return text;
}

void print_event(const NetlinkEvent& event) {
  if (const auto* l = std::get_if<LinkState>(&event)) {
    std::printf("link ifindex=%d name=%s up=%d carrier=%d mac=%s parent=%d deleted=%d\n",
                l->ifindex, l->name.c_str(), l->admin_up, l->carrier, mac_text(l->mac).c_str(),
                l->parent_ifindex, l->deleted);
  } else if (const auto* a = std::get_if<AddrState>(&event)) {
    std::printf("addr ifindex=%d prefix=%s label=%s proto=0x%02x flags=0x%x deleted=%d\n",
                a->ifindex, a->prefix.to_string().c_str(), a->label.c_str(), a->proto, a->flags,
                a->deleted);
  }
  std::fflush(stdout);
}

std::unique_ptr<Kernel> open_kernel() {
  auto kernel = Kernel::open();
  if (!kernel) std::exit(die(kernel.error()));
  return std::move(*kernel);
}

std::unique_ptr<LinkMonitor> open_monitor() {
  auto monitor = LinkMonitor::open();
  if (!monitor) std::exit(die(monitor.error()));
  return std::move(*monitor);
}

int report(const Result<Ok, std::string>& r) { return r ? 0 : die(r.error()); }

int cmd_add(const std::vector<std::string>& a) {
  auto prefix = IpPrefix::parse(a.at(1));
  if (!prefix) return die("bad prefix " + a.at(1));
  auto added = open_kernel()->add_address(ifindex_of(a.at(0)), *prefix, a.size() > 2 ? a[2] : "");
  if (!added) return die(added.error());
  std::printf("%s\n", *added == AddOutcome::kCreated ? "created" : "existed");
  return 0;
}

int cmd_add_batch(const std::vector<std::string>& a) {
  std::vector<AddRequest> adds;
  for (const auto& arg : a) {
    const auto comma = arg.find(',');
    auto prefix = IpPrefix::parse(comma == std::string::npos ? "" : arg.substr(comma + 1));
    if (!prefix) return die("bad IF,PREFIX " + arg);
    adds.push_back({ifindex_of(arg.substr(0, comma)), *prefix, ""});
  }
  auto kernel = open_kernel();
  kernel->send_adds(adds);
  for (const auto& r : kernel->collect_adds()) {
    if (!r) {
      std::printf("failed: %s\n", r.error().c_str());
    } else {
      std::printf("%s\n", *r == AddOutcome::kCreated ? "created" : "existed");
    }
  }
  return 0;
}

int cmd_remove(const std::vector<std::string>& a) {
  auto prefix = IpPrefix::parse(a.at(1));
  if (!prefix) return die("bad prefix " + a.at(1));
  return report(open_kernel()->remove_address(ifindex_of(a.at(0)), *prefix));
}

int cmd_vmac(const std::vector<std::string>& a) {
  MacAddress mac{};
  unsigned b[6];
  if (std::sscanf(a.at(2).c_str(), "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) !=
      6) {
    return die("bad MAC " + a.at(2));
  }
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<std::uint8_t>(b[i]);
  auto index = open_kernel()->create_vmac(ifindex_of(a.at(0)), a.at(1), mac);
  if (!index) return die(index.error());
  std::printf("ifindex=%d\n", *index);
  return 0;
}

int cmd_dump() {
  auto events = open_monitor()->dump();
  if (!events) return die(events.error());
  for (const auto& e : *events) print_event(e);
  return 0;
}

// Waits on the monitor fd with poll(), as the daemon's loop does, printing every event.
int cmd_monitor(int seconds) {
  auto monitor = open_monitor();
  std::printf("ready\n");
  std::fflush(stdout);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{monitor->fd(), POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    auto batch = monitor->read();
    if (!batch) return die(batch.error());
    if (batch->overrun) std::printf("overrun\n");
    for (const auto& e : batch->events) print_event(e);
  }
  return 0;
}

// Shrinks the monitor's queue, makes 200 address changes without reading, and expects read()
// to report the overrun; then dump() must still show all of them. IPv4 on purpose: the kernel
// queues an IPv4 RTM_NEWADDR before it acks the request, while IPv6 notifies from its DAD
// work item later, so with IPv6 the reads below could run before the queue has filled.
int cmd_overrun(const std::string& ifname) {
  auto monitor = open_monitor();
  int tiny = 1;  // the kernel rounds this up to its minimum
  setsockopt(monitor->fd(), SOL_SOCKET, SO_RCVBUF, &tiny, sizeof(tiny));
  auto kernel = open_kernel();
  int ifindex = ifindex_of(ifname);
  for (int i = 1; i <= 200; ++i) {
    auto prefix = IpPrefix::parse("10.77." + std::to_string(i / 100) + "." +
                                  std::to_string(i % 100 + 1) + "/32");
    if (auto r = kernel->add_address(ifindex, *prefix); !r) return die(r.error());
  }
  bool overrun = false;
  for (int i = 0; i < 100 && !overrun; ++i) {
    auto batch = monitor->read();
    if (!batch) return die(batch.error());
    overrun = batch->overrun;
  }
  auto events = monitor->dump();
  if (!events) return die(events.error());
  int seen = 0;
  for (const auto& e : *events) {
    const auto* a = std::get_if<AddrState>(&e);
    if (a && a->ifindex == ifindex && a->proto == kFloatdAddrProto) ++seen;
  }
  std::printf("overrun=%d dumped=%d\n", overrun, seen);
  return 0;
}

int cmd_sysctl(const std::vector<std::string>& a, bool restore) {
  auto changes = prepare_vmac_sysctls(a.at(0), a.at(1));
  if (!changes) return die(changes.error());
  for (const auto& c : *changes)
    std::printf("changed %s old=%s\n", c.path.c_str(), c.old_value.c_str());
  return restore ? report(restore_sysctls(*changes)) : 0;
}

// Prints each raw notification as one hex line: the source of the canned unit-test bytes.
int cmd_capture(int seconds) {
  mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
  if (nl == nullptr || mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) < 0) return die("capture");
  std::printf("ready\n");
  std::fflush(stdout);
  std::vector<std::uint8_t> buf(65536);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{mnl_socket_get_fd(nl), POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
    for (ssize_t i = 0; i < n; ++i) std::printf("%02x", buf[static_cast<std::size_t>(i)]);
    std::printf("\n");
    std::fflush(stdout);
  }
  mnl_socket_close(nl);
  return 0;
}

// Prints each datagram of an RTM_GETADDR dump reply as one hex line (ends with NLMSG_DONE).
int cmd_capture_dump() {
  mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  if (nl == nullptr || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) return die("capture-dump");
  std::vector<std::uint8_t> buf(65536);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETADDR;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = 1;
  static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)))->ifa_family = 0;
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) return die("capture-dump send");
  for (bool done = false; !done;) {
    ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
    if (n <= 0) return die("capture-dump receive");
    for (ssize_t i = 0; i < n; ++i) std::printf("%02x", buf[static_cast<std::size_t>(i)]);
    std::printf("\n");
    done = mnl_cb_run(buf.data(), static_cast<std::size_t>(n), 1, 0, nullptr, nullptr) <= 0;
  }
  mnl_socket_close(nl);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return die("usage: see the comment at the top of kernel_probe.cpp");
  std::string cmd = argv[1];
  std::vector<std::string> a(argv + 2, argv + argc);
  try {
    if (cmd == "add") return cmd_add(a);
    if (cmd == "add-batch") return cmd_add_batch(a);
    if (cmd == "remove") return cmd_remove(a);
    if (cmd == "vmac") return cmd_vmac(a);
    if (cmd == "delete") return report(open_kernel()->delete_link(ifindex_of(a.at(0))));
    if (cmd == "dump") return cmd_dump();
    if (cmd == "monitor") return cmd_monitor(std::stoi(a.at(0)));
    if (cmd == "overrun") return cmd_overrun(a.at(0));
    if (cmd == "sysctl") return cmd_sysctl(a, false);
    if (cmd == "sysctl-cycle") return cmd_sysctl(a, true);
    if (cmd == "capture") return cmd_capture(std::stoi(a.at(0)));
    if (cmd == "capture-dump") return cmd_capture_dump();
  } catch (const std::exception& e) {  // missing arguments
    return die(cmd + ": " + e.what());
  }
  return die("unknown command " + cmd);
}
