// Issue 14: in the steady state (Masters sending, Backups receiving, nothing changing) an
// advert costs no heap allocation, sent or received. Two routers' instances, in one Daemon,
// talk over a veth pair in a private network namespace through the real VRRP sockets
// (net::VrrpSocket: sendmsg, recvmmsg), the real receive path (receive_batch, decode, the
// instance's checks, the state machine) and the real timer path (on_timerfd, tick, rearm).
// Only the kernel's address side, the clock and the timer are fakes (fake_system.hpp): the
// fake clock lets 10,000 adverts pass in a few seconds of its time, between two housekeeping
// runs, which may allocate (netlink dumps, reconcile) and are not per advert.
//
// Counting replaces operator new and malloc for the whole executable: this test has its own
// (tests/daemon/meson.build). It needs root (a network namespace, raw sockets); without it the
// test says it is skipped. Under a sanitizer, which owns malloc, it is skipped too.
#include <doctest/doctest.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/daemon.hpp"
#include "daemon/spawn_launcher.hpp"
#include "daemon/system_ports.hpp"
#include "fake_system.hpp"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FLOATD_COUNT_ALLOCATIONS 0
#else
#define FLOATD_COUNT_ALLOCATIONS 1
#endif

namespace {

// The counters: process-wide by nature (they count the process's allocations).
struct Counts {
  std::size_t news = 0;     // operator new, every form
  std::size_t mallocs = 0;  // malloc, calloc, realloc called directly (C code: libev, libnl)
};
Counts g_counts;  // NOLINT: what a replaced allocator counts into

}  // namespace

#if FLOATD_COUNT_ALLOCATIONS
extern "C" {
void* __libc_malloc(std::size_t);                 // NOLINT: glibc's own, behind malloc
void* __libc_calloc(std::size_t, std::size_t);    // NOLINT
void* __libc_realloc(void*, std::size_t);         // NOLINT
void* __libc_memalign(std::size_t, std::size_t);  // NOLINT
void __libc_free(void*);                          // NOLINT

void* malloc(std::size_t n) {
  ++g_counts.mallocs;
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  ++g_counts.mallocs;
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  ++g_counts.mallocs;
  return __libc_realloc(p, n);
}
void free(void* p) { __libc_free(p); }
}

namespace {
void* counted_new(std::size_t n, std::size_t align = 0) {
  ++g_counts.news;
  void* p = align > alignof(std::max_align_t) ? __libc_memalign(align, n ? n : 1)
                                              : __libc_malloc(n ? n : 1);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
}  // namespace

void* operator new(std::size_t n) { return counted_new(n); }
void* operator new[](std::size_t n) { return counted_new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  return counted_new(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return counted_new(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++g_counts.news;
  return __libc_malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  ++g_counts.news;
  return __libc_malloc(n ? n : 1);
}
void operator delete(void* p) noexcept { __libc_free(p); }
void operator delete[](void* p) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { __libc_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { __libc_free(p); }
#endif

using namespace floatd;  // NOLINT

namespace {

constexpr int kPairs = 50;  // VRIDs 1..50: a Master on za0, a Backup on za1
constexpr std::size_t kAdverts = 10'000;
constexpr Microseconds kStep{10'000};  // advert_int 0.01: every Master sends each step

// A log that keeps its lines (allocating), with debug off as in production.
class QuietLog final : public Log {
 public:
  std::vector<std::string> lines;
  void write(LogLevel, std::string_view m) override { lines.emplace_back(m); }
  bool debug_enabled() const override { return false; }
};

// A private network namespace with a veth pair up: za0 192.0.2.1, za1 192.0.2.2. Each end
// accepts packets from the other's (local) address.
bool make_namespace() {
  if (unshare(CLONE_NEWNET) != 0) return false;
  const char* script =
      "ip link set lo up && ip link add za0 type veth peer name za1 && "
      "ip addr add 192.0.2.1/24 dev za0 && ip addr add 192.0.2.2/24 dev za1 && "
      "ip link set za0 up && ip link set za1 up && "
      "for f in all za0 za1; do echo 1 > /proc/sys/net/ipv4/conf/$f/accept_local; "
      "echo 0 > /proc/sys/net/ipv4/conf/$f/rp_filter; done";
  return std::system(script) == 0;
}

// kPairs instances on `interface`, named prefix1..: one VIP each, the same on both routers
// (the address lists match: no RX-14 finding).
std::string router_config(const std::string& prefix, const std::string& interface, int priority) {
  std::string text = "[global]\nrouter_id = r1\n";
  for (int vrid = 1; vrid <= kPairs; ++vrid) {
    text += "\n[instance " + prefix + std::to_string(vrid) + "]\ninterface = " + interface +
            "\nvirtual_router_id = " + std::to_string(vrid) +
            "\npriority = " + std::to_string(priority) +
            "\nadvert_int = 0.01\ngarp_master_delay = 0\nvirtual_ipaddress = 198.51.100." +
            std::to_string(vrid) + "/32\n";
  }
  return text;
}

// Both routers in one Daemon (a process has one set of signal handlers, hence one Daemon):
// the Masters on za0 and the Backups on za1, each side's config valid on its own. Over the
// real VRRP sockets; fakes for the kernel's addresses, the timer and the clock.
struct Routers {
  FakeClock clock{MonoTime{Microseconds{1'000'000'000}}};
  test::FakeNetwork net;
  test::FakeKernel kernel{net};
  test::FakeMonitor monitor{net};
  std::unique_ptr<daemon::AdvertTransport> vrrp = daemon::system_advert_transport();
  test::FakeFrames frames;
  test::FakeSolicitations solicitations;
  test::FakeTimer timer;
  test::FakeControl control;
  daemon::SpawnLauncher launcher;
  test::FakeLoader loader;
  QuietLog log;
  std::string dir;
  std::unique_ptr<daemon::Daemon> d;

  Routers() {
    char tmpl[] = "/tmp/floatd-alloc-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    add_link("za0", "192.0.2.1/24");
    add_link("za1", "192.0.2.2/24");
    auto config = load("masters", router_config("m", "za0", 200));
    const auto backups = load("backups", router_config("b", "za1", 100));
    config.instances.insert(config.instances.end(), backups.instances.begin(),
                            backups.instances.end());
    daemon::Options options;
    options.config = dir + "/masters.conf";
    options.pid_file = dir + "/floatd.pid";
    options.control_socket = dir + "/floatd.sock";
    d = std::make_unique<daemon::Daemon>(
        options, std::move(config), log,
        daemon::DaemonPorts{clock, kernel, monitor, *vrrp, frames, solicitations, timer, control,
                            launcher, loader});
    auto started = d->start();
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error()));
  }
  ~Routers() {
    if (d) d->stop();
    d.reset();
    std::filesystem::remove_all(dir);
  }
  void add_link(const std::string& name, const std::string& address) {
    const int index = static_cast<int>(if_nametoindex(name.c_str()));
    REQUIRE(index > 0);
    net.add_link(name, true, index);
    net.add_address(index, *IpPrefix::parse(address), 0);
  }
  config::Config load(const std::string& name, const std::string& text) {
    const std::string path = dir + "/" + name + ".conf";
    std::ofstream(path) << text;
    auto config = config::load(path);
    REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().front().to_string()));
    return std::move(*config);
  }

  // Sums one statistic over the instances named prefix* (status allocates: outside the count).
  std::uint64_t total(const char* prefix, const char* stat) {
    std::uint64_t sum = 0;
    for (const auto& i : instances(prefix)) sum += i["stats"][stat].get<std::uint64_t>();
    return sum;
  }
  int in_state(const char* prefix, const char* state) {
    int n = 0;
    for (const auto& i : instances(prefix)) n += i["state"] == state ? 1 : 0;
    return n;
  }
  std::vector<nlohmann::json> instances(const char* prefix) {
    auto s = d->control("status", nlohmann::json::object());
    REQUIRE(s.ok());
    std::vector<nlohmann::json> out;
    for (const auto& i : (*s)["instances"]) {
      if (i["name"].get<std::string>().rfind(prefix, 0) == 0) out.push_back(i);
    }
    return out;
  }

  // The loop, until nothing is ready (the veth delivers within the send call, but a softirq
  // may finish it a moment later: a few rounds).
  void pump() {
    for (int i = 0; i < 6; ++i) ev_run(d->loop(), EVRUN_NOWAIT);
  }
  // Moves the clock on by `by`, firing the timer at each armed time on the way.
  void advance(Microseconds by) { timer.advance(clock, by, [this] { pump(); }); }
};

}  // namespace

TEST_CASE("issue 14: 10,000 adverts sent and received allocate nothing") {
  if (!FLOATD_COUNT_ALLOCATIONS) {
    MESSAGE("skipped: a sanitizer owns malloc in this build");
    return;
  }
  if (geteuid() != 0) {
    MESSAGE("skipped: needs root (a network namespace and raw sockets)");
    return;
  }
  REQUIRE_MESSAGE(make_namespace(), "cannot make a network namespace with a veth pair");
  Routers r;
  r.pump();
  // Warm-up: the election, the VIP adds and their reconcile, the first adverts (whose
  // buffers and timer nodes are made once).
  for (int i = 0; i < 100; ++i) r.advance(kStep);
  REQUIRE(r.in_state("m", "MASTER") == kPairs);
  REQUIRE(r.in_state("b", "BACKUP") == kPairs);
  const std::uint64_t sent_before = r.total("m", "adverts_sent");
  const std::uint64_t heard_before = r.total("b", "adverts_received");
  const std::size_t log_before = r.log.lines.size();

  const Counts start = g_counts;
  REQUIRE(start.news > 0);  // the replacement counts: starting the daemon allocated
  constexpr std::size_t kSteps = kAdverts / kPairs + 1;
  for (std::size_t i = 0; i < kSteps; ++i) r.advance(kStep);
  const Counts end = g_counts;

  const std::uint64_t sent = r.total("m", "adverts_sent") - sent_before;
  const std::uint64_t heard = r.total("b", "adverts_received") - heard_before;
  MESSAGE("adverts sent " << sent << ", received " << heard << ": operator new "
                          << end.news - start.news << ", malloc " << end.mallocs - start.mallocs);
  CHECK(r.in_state("m", "MASTER") == kPairs);
  CHECK(r.in_state("b", "BACKUP") == kPairs);
  CHECK(sent >= kAdverts);
  CHECK(heard >= kAdverts);
  CHECK(end.news - start.news == 0);
  CHECK(end.mallocs - start.mallocs == 0);
  // Nothing logged either: a line in the window would be a change, or a string built per advert.
  CHECK(r.log.lines.size() == log_before);
  if (r.log.lines.size() != log_before) {
    for (const auto& line : r.log.lines) MESSAGE(line);
  }
}
