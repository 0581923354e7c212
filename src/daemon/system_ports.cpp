#include "daemon/spawn_launcher.hpp"
#include "daemon/system_ports.hpp"
#include "daemon/thread_config_loader.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "daemon/control_socket.hpp"
#include "net/announcer.hpp"
#include "net/kernel.hpp"
#include "net/link_monitor.hpp"
#include "net/solicitation_socket.hpp"
#include "net/vrrp_socket.hpp"

namespace floatd::daemon {
namespace {

template <typename T>
Result<T> lift(Result<T, std::string>&& r) {
  if (!r) return fail(r.error());
  return std::move(*r);
}

class SystemKernel final : public KernelWriter {
 public:
  explicit SystemKernel(std::unique_ptr<net::Kernel> kernel) : kernel_(std::move(kernel)) {}
  Result<net::AddOutcome> add_address(int ifindex, const IpPrefix& vip,
                                      const std::string& label) override {
    return lift(kernel_->add_address(ifindex, vip, label));
  }
  void send_adds(std::span<const net::AddRequest> adds) override { kernel_->send_adds(adds); }
  std::vector<Result<net::AddOutcome>> collect_adds() override {
    std::vector<Result<net::AddOutcome>> out;
    for (auto& answer : kernel_->collect_adds()) out.push_back(lift(std::move(answer)));
    return out;
  }
  Result<Ok> remove_address(int ifindex, const IpPrefix& vip) override {
    return lift(kernel_->remove_address(ifindex, vip));
  }
  Result<int> create_vmac(int parent, const std::string& name, const vrrp::MacAddress& mac) override {
    return lift(kernel_->create_vmac(parent, name, mac));
  }
  Result<Ok> delete_link(int ifindex) override { return lift(kernel_->delete_link(ifindex)); }
  Result<std::vector<net::SysctlChange>> prepare_vmac_sysctls(const std::string& parent,
                                                              const std::string& vmac) override {
    return lift(net::prepare_vmac_sysctls(parent, vmac));
  }
  Result<std::vector<net::SysctlChange>> make_vmac_ipv6_router(const std::string& vmac) override {
    return lift(net::make_vmac_ipv6_router(vmac));
  }
  void restore_sysctls(const std::vector<net::SysctlChange>& changes) override {
    (void)net::restore_sysctls(changes);
  }

 private:
  std::unique_ptr<net::Kernel> kernel_;
};

class SystemMonitor final : public KernelReader {
 public:
  explicit SystemMonitor(std::unique_ptr<net::LinkMonitor> m) : monitor_(std::move(m)) {}
  int fd() const override { return monitor_->fd(); }
  Result<std::vector<net::NetlinkEvent>> dump() override { return lift(monitor_->dump()); }
  Result<Batch> read() override {
    auto r = monitor_->read();
    if (!r) return fail(r.error());
    return Batch{std::move(r->events), r->overrun};
  }

 private:
  std::unique_ptr<net::LinkMonitor> monitor_;
};

// CLOCK_REALTIME less CLOCK_MONOTONIC, now.
std::int64_t real_minus_mono_ns() {
  timespec real{};
  timespec mono{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  return (std::int64_t{real.tv_sec} - mono.tv_sec) * 1'000'000'000 + (real.tv_nsec - mono.tv_nsec);
}

class SystemSocket final : public AdvertSocket {
 public:
  explicit SystemSocket(std::unique_ptr<net::VrrpSocket> s) : socket_(std::move(s)) {
    batch_.reserve(net::VrrpSocket::kBatch);
  }
  int fd() const override { return socket_->fd(); }
  int ifindex() const override { return socket_->ifindex(); }
  Result<Ok> send(std::span<const std::uint8_t> message, const IpAddress& src, const IpAddress& dst,
                  int out_ifindex) override {
    return lift(socket_->send(message, src, dst, out_ifindex));
  }
  // The kernel stamps packets on CLOCK_REALTIME: moved onto the monotonic clock with the
  // offset between the two, read once per batch (a step while they waited is the daemon's to
  // bound: daemon_kernel.cpp, arrival()).
  Result<std::span<const Received>> receive(std::size_t max) override {
    auto r = socket_->receive(max);
    if (!r) return fail(r.error());
    batch_.clear();  // keeps its capacity: kBatch, the most a receive() returns
    if (r->empty()) return std::span<const Received>{};
    const std::int64_t offset_ns = real_minus_mono_ns();
    for (const auto& p : *r) {
      std::optional<MonoTime> arrived;
      if (p.arrived_realtime_ns != 0) {
        arrived = MonoTime{Microseconds{(p.arrived_realtime_ns - offset_ns) / 1000}};
      }
      batch_.push_back({p.message, p.info, arrived});
    }
    return std::span<const Received>(batch_);
  }
  void forget_interface(int out_ifindex) override { socket_->forget_interface(out_ifindex); }

 private:
  std::unique_ptr<net::VrrpSocket> socket_;
  std::vector<Received> batch_;  // receive()'s, over the socket's buffers
};

class SystemTransport final : public AdvertTransport {
 public:
  Result<std::unique_ptr<AdvertSocket>> open(Family family, int ifindex,
                                             const std::string& device) override {
    auto s = net::VrrpSocket::open(family, ifindex, device);
    if (!s) return fail(s.error());
    return std::unique_ptr<AdvertSocket>(std::make_unique<SystemSocket>(std::move(*s)));
  }
};

class SystemFrames final : public FrameSender {
 public:
  explicit SystemFrames(net::Announcer a) : announcer_(std::move(a)) {}
  Result<Ok> send_garp(int ifindex, vrrp::MacAddress mac, const IpAddress& vip) override {
    return lift(announcer_.send_garp(ifindex, mac, vip));
  }
  Result<Ok> send_na(int ifindex, vrrp::MacAddress mac, const IpAddress& src_ll, const IpAddress& vip,
                     bool router) override {
    return lift(announcer_.send_na(ifindex, mac, src_ll, vip, router));
  }
  Result<Ok> send_frame(int ifindex, std::span<const std::uint8_t> frame,
                        const std::string& what) override {
    return lift(announcer_.send_frame(ifindex, frame, net::kEtherTypeIpv6, what));
  }

 private:
  net::Announcer announcer_;
};

class SystemSolicitations final : public SolicitationSocket {
 public:
  explicit SystemSolicitations(net::SolicitationSocket s) : socket_(std::move(s)) {}
  int fd() const override { return socket_.fd(); }
  Result<Ok> join(int ifindex) override { return lift(socket_.join(ifindex)); }
  Result<std::vector<Heard>> receive(std::size_t max) override {
    auto r = socket_.receive(max);
    if (!r) return fail(r.error());
    std::vector<Heard> out;
    for (const auto& h : *r) out.push_back({h.ifindex, h.src});
    return out;
  }

 private:
  net::SolicitationSocket socket_;
};

// CLOCK_MONOTONIC timerfd armed at an absolute time: microsecond deadlines (libev's epoll
// timeouts round up to whole milliseconds).
class SystemTimer final : public WakeTimer {
 public:
  explicit SystemTimer(int fd) : fd_(fd) {}
  ~SystemTimer() override { close(fd_); }
  SystemTimer(const SystemTimer&) = delete;
  SystemTimer& operator=(const SystemTimer&) = delete;
  int fd() const override { return fd_; }
  Result<Ok> arm(std::optional<MonoTime> at) override {
    itimerspec spec{};  // all zero: disarmed
    if (at) {
      const auto us = std::max<std::int64_t>(at->time_since_epoch().count(), 1);
      spec.it_value.tv_sec = us / 1'000'000;
      spec.it_value.tv_nsec = (us % 1'000'000) * 1000;
    }
    if (timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr) < 0) {
      return fail(std::string("timerfd_settime: ") + std::strerror(errno));
    }
    return Ok{};
  }
  // Tens to hundreds of microseconds of wake-up latency on a VM; at most this much CPU is
  // spent waiting per takeover.
  Microseconds takeover_lead() const override { return Microseconds{300}; }
  void acknowledge() override {
    std::uint64_t expirations = 0;
    (void)!::read(fd_, &expirations, sizeof expirations);
  }

 private:
  int fd_;
};

}  // namespace

struct SystemPorts::Parts {
  SystemClock clock;
  std::unique_ptr<SystemKernel> kernel;
  std::unique_ptr<SystemMonitor> monitor;
  SystemTransport vrrp;
  std::unique_ptr<SystemFrames> frames;
  std::unique_ptr<SystemSolicitations> solicitations;
  std::unique_ptr<SystemTimer> timer;
  UnixControlTransport control;
  SpawnLauncher processes;
  std::unique_ptr<ThreadConfigLoader> loader;
};

SystemPorts::SystemPorts(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
SystemPorts::~SystemPorts() = default;

Result<std::unique_ptr<SystemPorts>> SystemPorts::open() {
  auto parts = std::make_unique<Parts>();
  auto kernel = net::Kernel::open();
  if (!kernel) return fail("netlink: " + kernel.error());
  parts->kernel = std::make_unique<SystemKernel>(std::move(*kernel));
  auto monitor = net::LinkMonitor::open();
  if (!monitor) return fail("link monitor: " + monitor.error());
  parts->monitor = std::make_unique<SystemMonitor>(std::move(*monitor));
  auto announcer = net::Announcer::open();
  if (!announcer) return fail("packet socket for GARP/NA: " + announcer.error());
  parts->frames = std::make_unique<SystemFrames>(std::move(*announcer));
  auto solicitations = net::SolicitationSocket::open();
  if (!solicitations) return fail("ICMPv6 socket for Router Solicitations: " + solicitations.error());
  parts->solicitations = std::make_unique<SystemSolicitations>(std::move(*solicitations));
  const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return fail(std::string("timerfd: ") + std::strerror(errno));
  parts->timer = std::make_unique<SystemTimer>(fd);
  auto loader = ThreadConfigLoader::open();
  if (!loader) return fail("config loader: " + loader.error());
  parts->loader = std::move(*loader);
  return std::unique_ptr<SystemPorts>(new SystemPorts(std::move(parts)));
}

std::unique_ptr<AdvertTransport> system_advert_transport() {
  return std::make_unique<SystemTransport>();
}

DaemonPorts SystemPorts::ports() {
  return DaemonPorts{parts_->clock, *parts_->kernel, *parts_->monitor, parts_->vrrp,
                     *parts_->frames, *parts_->solicitations, *parts_->timer, parts_->control, parts_->processes,
                     *parts_->loader};
}

}  // namespace floatd::daemon
