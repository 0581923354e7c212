// Fakes for the Daemon's ports (src/daemon/daemon_ports.hpp): the kernel's links and addresses
// kept in memory, VRRP sockets that record what is sent and deliver what a test injects, a
// timer fired by the test's clock, a control transport that connects floatctl clients over
// socketpairs. Each input port signals through a pipe, so the Daemon's real libev wiring is
// what the tests exercise.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/config_loader.hpp"
#include "daemon/daemon_ports.hpp"
#include "net/kernel.hpp"

namespace floatd::test {

// A non-blocking pipe: write a byte to make fd() readable, drain() to make it quiet again.
class Signal {
 public:
  Signal() {
    if (pipe2(fds_, O_NONBLOCK | O_CLOEXEC) < 0) fds_[0] = fds_[1] = -1;
  }
  ~Signal() {
    close(fds_[0]);
    close(fds_[1]);
  }
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;
  int fd() const { return fds_[0]; }
  void raise() { (void)!write(fds_[1], "x", 1); }
  void drain() {
    char buf[256];
    while (read(fds_[0], buf, sizeof buf) > 0) {
    }
  }

 private:
  int fds_[2];
};

// The kernel's network state: links and their addresses, in the kernel's order. Every change
// is also queued as a notification, as rtnetlink multicasts it.
class FakeNetwork {
 public:
  struct Link {
    net::LinkState state;
    std::vector<net::AddrState> addresses;
  };

  // `ifindex`: the index of a real link of that name (0: the next free one).
  // `floatd_vmac`: with floatd's alias (net::kVmacAlias), as Kernel::create_vmac makes them.
  int add_link(const std::string& name, bool up = true, int ifindex = 0, bool floatd_vmac = false) {
    const int index = ifindex != 0 ? ifindex : next_index_++;
    net::LinkState l;
    l.ifindex = index;
    l.name = name;
    l.admin_up = up;
    l.carrier = up;
    l.floatd_vmac = floatd_vmac;
    l.mac = {0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(index)};
    links_[index].state = l;
    notify(l);
    return index;
  }
  void set_carrier(int ifindex, bool carrier) {
    auto& l = links_.at(ifindex).state;
    l.carrier = carrier;
    notify(l);
  }
  void delete_link(int ifindex) {
    auto it = links_.find(ifindex);
    if (it == links_.end()) return;
    net::LinkState gone = it->second.state;
    gone.deleted = true;
    links_.erase(it);
    notify(gone);
  }
  // Returns false when the address was there already.
  bool add_address(int ifindex, const IpPrefix& prefix, std::uint8_t proto, std::uint32_t flags = 0) {
    auto& list = links_.at(ifindex).addresses;
    for (const auto& a : list) {
      if (a.prefix.address == prefix.address) return false;
    }
    net::AddrState a;
    a.ifindex = ifindex;
    a.prefix = prefix;
    a.proto = proto;
    a.flags = flags;
    list.push_back(a);
    notify(a);
    return true;
  }
  bool remove_address(int ifindex, const IpPrefix& prefix) {
    auto it = links_.find(ifindex);
    if (it == links_.end()) return false;
    auto& list = it->second.addresses;
    for (auto a = list.begin(); a != list.end(); ++a) {
      if (a->prefix.address != prefix.address) continue;
      net::AddrState gone = *a;
      gone.deleted = true;
      list.erase(a);
      notify(gone);
      return true;
    }
    return false;
  }
  const Link* find_index(int ifindex) const {
    auto it = links_.find(ifindex);
    return it == links_.end() ? nullptr : &it->second;
  }
  const Link* find(const std::string& name) const {
    for (const auto& [i, l] : links_) {
      if (l.state.name == name) return &l;
    }
    return nullptr;
  }
  bool has_address(const std::string& dev, const IpAddress& address) const {
    const Link* l = find(dev);
    return l != nullptr && std::any_of(l->addresses.begin(), l->addresses.end(),
                                       [&](const net::AddrState& a) { return a.prefix.address == address; });
  }
  std::vector<net::NetlinkEvent> snapshot() const {
    std::vector<net::NetlinkEvent> out;
    for (const auto& [i, l] : links_) out.emplace_back(l.state);
    for (const auto& [i, l] : links_) {
      for (const auto& a : l.addresses) out.emplace_back(a);
    }
    return out;
  }

  // What the monitor delivers: notifications, or an overrun that lost them. As the kernel's
  // netlink_overrun: the first lost one congests the socket, which then loses every later one
  // too, with no second overrun, until its queue has been read empty (FakeMonitor::read).
  std::deque<net::NetlinkEvent> queue;
  bool overrun = false;
  bool lose_notifications = false;  // the socket buffer is full: changes happen unseen
  bool congested = false;
  Signal signal;

 private:
  void notify(net::NetlinkEvent e) {
    if (lose_notifications || congested) {
      if (!congested) overrun = true;
      congested = true;
    } else {
      queue.push_back(std::move(e));
    }
    signal.raise();
  }

  std::map<int, Link> links_;
  int next_index_ = 2;  // 1 is lo, not modelled
};

class FakeKernel final : public daemon::KernelWriter {
 public:
  explicit FakeKernel(FakeNetwork& net) : net_(net) {}
  std::vector<std::string> calls;  // "add 2 10.0.0.100/24", "remove ...", "vmac vrrp.51"
  int fail_adds = 0;               // the next N adds fail (ENODEV, a link going away ...)
  int fail_vmacs = 0;              // the next N VMAC creates fail
  // When set, each address added or removed moves `clock` on by `cost`: a netlink round trip.
  FakeClock* clock = nullptr;
  Microseconds cost{0};

  Result<net::AddOutcome> add_address(int ifindex, const IpPrefix& vip, const std::string&) override {
    calls.push_back("add " + std::to_string(ifindex) + " " + vip.to_string());
    if (clock != nullptr) clock->advance(cost);
    if (fail_adds > 0) {
      --fail_adds;
      return fail(std::string("add ") + vip.to_string() + ": No such device");
    }
    if (net_.find_index(ifindex) == nullptr) return fail(std::string("No such device"));
    return net_.add_address(ifindex, vip, net::kFloatdAddrProto) ? net::AddOutcome::kCreated
                                                                 : net::AddOutcome::kExisted;
  }
  // As the kernel does: each add is applied when sent, its answer read later ("collect").
  void send_adds(std::span<const net::AddRequest> adds) override {
    for (const auto& a : adds) answers_.push_back(add_address(a.ifindex, a.vip, a.label));
  }
  std::vector<Result<net::AddOutcome>> collect_adds() override {
    calls.push_back("collect");
    return std::exchange(answers_, {});
  }
  Result<Ok> remove_address(int ifindex, const IpPrefix& vip) override {
    calls.push_back("remove " + std::to_string(ifindex) + " " + vip.to_string());
    if (clock != nullptr) clock->advance(cost);
    net_.remove_address(ifindex, vip);
    return Ok{};
  }
  Result<int> create_vmac(int, const std::string& name, const vrrp::MacAddress&) override {
    calls.push_back("vmac " + name);
    if (fail_vmacs > 0) {
      --fail_vmacs;
      return fail(std::string("create ") + name + ": Cannot allocate memory");
    }
    // As Kernel::create_vmac: a link of that name already there is taken up (the real one
    // checks that it is a private macvlan with the MAC on the parent, or refuses).
    if (const auto* existing = net_.find(name)) return existing->state.ifindex;
    return net_.add_link(name, true, 0, true);
  }
  Result<Ok> delete_link(int ifindex) override {
    calls.push_back("delete " + std::to_string(ifindex));
    net_.delete_link(ifindex);
    return Ok{};
  }
  Result<std::vector<net::SysctlChange>> prepare_vmac_sysctls(const std::string&,
                                                              const std::string&) override {
    return std::vector<net::SysctlChange>{};
  }
  Result<std::vector<net::SysctlChange>> make_vmac_ipv6_router(const std::string& vmac) override {
    calls.push_back("ipv6 router " + vmac);
    return std::vector<net::SysctlChange>{};
  }
  void restore_sysctls(const std::vector<net::SysctlChange>&) override {}
  int count(const std::string& prefix) const {
    return static_cast<int>(std::count_if(calls.begin(), calls.end(),
                                          [&](const std::string& c) { return c.rfind(prefix, 0) == 0; }));
  }

 private:
  FakeNetwork& net_;
  std::vector<Result<net::AddOutcome>> answers_;  // sent, not collected
};

class FakeMonitor final : public daemon::KernelReader {
 public:
  explicit FakeMonitor(FakeNetwork& net) : net_(net) {}
  int dumps = 0;
  std::size_t per_read = SIZE_MAX;  // notices a read() takes (LinkMonitor: 64 datagrams)
  int fd() const override { return net_.signal.fd(); }
  Result<std::vector<net::NetlinkEvent>> dump() override {
    ++dumps;
    return net_.snapshot();
  }
  Result<Batch> read() override {
    net_.signal.drain();
    Batch b;
    const auto n = static_cast<std::ptrdiff_t>(std::min(per_read, net_.queue.size()));
    b.events.assign(net_.queue.begin(), net_.queue.begin() + n);
    net_.queue.erase(net_.queue.begin(), net_.queue.begin() + n);
    b.overrun = std::exchange(net_.overrun, false);
    if (net_.queue.empty()) {
      net_.congested = false;
    } else {
      net_.signal.raise();  // still readable
    }
    return b;
  }

 private:
  FakeNetwork& net_;
};

struct SentPacket {
  int ifindex;
  std::vector<std::uint8_t> message;
  IpAddress src;
  IpAddress dst;
  std::optional<MonoTime> at;  // on FakeTransport::clock, when one is set
};

class FakeSocket final : public daemon::AdvertSocket {
 public:
  // A packet a test delivers: its bytes owned here until receive() hands them over.
  struct Queued {
    std::vector<std::uint8_t> message;
    vrrp::PacketInfo info;
    std::optional<MonoTime> arrived;
  };
  FakeSocket(int ifindex, std::vector<SentPacket>& sent, FakeClock* const& clock)
      : ifindex_(ifindex), sent_(sent), clock_(clock) {}
  std::deque<Queued> inbox;
  int fd() const override { return signal_.fd(); }
  int ifindex() const override { return ifindex_; }
  Result<Ok> send(std::span<const std::uint8_t> m, const IpAddress& src, const IpAddress& dst,
                  int out_ifindex) override {
    std::optional<MonoTime> at;
    if (clock_ != nullptr) at = clock_->now();
    sent_.push_back({out_ifindex, {m.begin(), m.end()}, src, dst, at});
    return Ok{};
  }
  // Like the real one: the messages live in the socket until the next receive().
  Result<std::span<const Received>> receive(std::size_t max) override {
    signal_.drain();
    held_.clear();
    while (!inbox.empty() && held_.size() < max) {
      held_.push_back(std::move(inbox.front()));
      inbox.pop_front();
    }
    if (!inbox.empty()) signal_.raise();
    batch_.clear();
    for (const Queued& q : held_) batch_.push_back({q.message, q.info, q.arrived});
    return std::span<const Received>(batch_);
  }
  void forget_interface(int) override {}
  void deliver(Queued q) {
    inbox.push_back(std::move(q));
    signal_.raise();
  }

 private:
  int ifindex_;
  std::vector<SentPacket>& sent_;
  FakeClock* const& clock_;  // the transport's
  Signal signal_;
  std::vector<Queued> held_;
  std::vector<Received> batch_;
};

class FakeTransport final : public daemon::AdvertTransport {
 public:
  std::vector<SentPacket> sent;
  FakeClock* clock = nullptr;  // when set, each sent packet records its time on it
  std::map<std::pair<std::string, Family>, FakeSocket*> open_sockets;  // valid while open
  Result<std::unique_ptr<daemon::AdvertSocket>> open(Family family, int ifindex,
                                                     const std::string& device) override {
    auto s = std::make_unique<FakeSocket>(ifindex, sent, clock);
    open_sockets[{device, family}] = s.get();
    return std::unique_ptr<daemon::AdvertSocket>(std::move(s));
  }
};

class FakeFrames final : public daemon::FrameSender {
 public:
  std::vector<std::string> sent;  // "garp 2 10.0.0.100"
  Result<Ok> send_garp(int ifindex, vrrp::MacAddress, const IpAddress& vip) override {
    sent.push_back("garp " + std::to_string(ifindex) + " " + vip.to_string());
    return Ok{};
  }
  Result<Ok> send_na(int ifindex, vrrp::MacAddress, const IpAddress&, const IpAddress& vip,
                     bool) override {
    sent.push_back("na " + std::to_string(ifindex) + " " + vip.to_string());
    return Ok{};
  }
  Result<Ok> send_frame(int ifindex, std::span<const std::uint8_t> frame,
                        const std::string& what) override {
    sent.push_back("frame " + std::to_string(ifindex) + " " + what);
    frames.emplace_back(frame.begin(), frame.end());
    return Ok{};
  }
  std::vector<std::vector<std::uint8_t>> frames;  // send_frame's, whole
};

// Router Solicitations: a test queues one with hear(); the daemon reads it from fd().
class FakeSolicitations final : public daemon::SolicitationSocket {
 public:
  std::set<int> joined;
  int fd() const override { return signal_.fd(); }
  Result<Ok> join(int ifindex) override {
    joined.insert(ifindex);
    return Ok{};
  }
  Result<std::vector<Heard>> receive(std::size_t) override {
    signal_.drain();
    return std::exchange(queued_, {});
  }
  void hear(int ifindex, const IpAddress& src) {
    queued_.push_back({ifindex, src});
    signal_.raise();
  }

 private:
  Signal signal_;
  std::vector<Heard> queued_;
};

class FakeTimer final : public daemon::WakeTimer {
 public:
  std::optional<MonoTime> armed;
  int fd() const override { return signal_.fd(); }
  Result<Ok> arm(std::optional<MonoTime> at) override {
    armed = at;
    return Ok{};
  }
  void acknowledge() override { signal_.drain(); }
  Microseconds takeover_lead() const override { return Microseconds{0}; }
  // Fires when the clock has reached the armed time.
  bool fire_if_due(MonoTime now) {
    if (!armed || *armed > now) return false;
    armed.reset();
    signal_.raise();
    return true;
  }
  // Moves `clock` on by `by`, firing at each armed time on the way; `pump()` runs the daemon's
  // loop after each firing (which may arm the next) and once at the end.
  template <typename Pump>
  void advance(FakeClock& clock, Microseconds by, Pump&& pump) {
    const MonoTime target = clock.now() + by;
    while (armed && *armed <= target) {
      clock.set(std::max(clock.now(), *armed));
      fire_if_due(clock.now());
      pump();
    }
    clock.set(target);
    pump();
  }

 private:
  Signal signal_;
};

// The control socket without a socket file: connect() is floatctl connecting. It makes a
// socketpair, queues one end for the listener's accept() and returns the other (-1 when nothing
// listens: the daemon has not started, or has closed its doors). Every end handed to the
// server is remembered, so a test can see which ones the server has closed since.
class FakeControl final : public daemon::ControlTransport {
 public:
  std::string path;   // where the daemon listened last
  std::string group;

  Result<std::unique_ptr<daemon::ControlListener>> listen(const std::string& p,
                                                          const std::string& g) override {
    path = p;
    group = g;
    auto l = std::make_unique<Listener>(*this);
    listener_ = l.get();
    return std::unique_ptr<daemon::ControlListener>(std::move(l));
  }
  bool listening() const { return listener_ != nullptr; }
  int connect() {
    if (listener_ == nullptr) return -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return -1;
    struct stat st {};
    fstat(sv[0], &st);
    server_ends_.emplace_back(sv[0], st.st_ino);
    listener_->pending.push_back(sv[0]);
    listener_->signal.raise();
    return sv[1];
  }
  // Server ends still open: the same descriptor still names the same socket (a closed one's
  // number may have been reused, but not its inode).
  std::size_t open_connections() const {
    std::size_t n = 0;
    for (const auto& [fd, ino] : server_ends_) {
      struct stat st {};
      n += fstat(fd, &st) == 0 && st.st_ino == ino ? 1 : 0;
    }
    return n;
  }

 private:
  class Listener final : public daemon::ControlListener {
   public:
    explicit Listener(FakeControl& transport) : transport_(transport) {}
    ~Listener() override {
      for (int fd : pending) close(fd);  // connections never accepted are refused
      transport_.listener_ = nullptr;
    }
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;
    int fd() const override { return signal.fd(); }
    int accept() override {
      signal.drain();
      if (pending.empty()) return -1;
      const int fd = pending.front();
      pending.pop_front();
      if (!pending.empty()) signal.raise();
      return fd;
    }
    std::deque<int> pending;
    Signal signal;

   private:
    FakeControl& transport_;
  };

  Listener* listener_ = nullptr;
  std::vector<std::pair<int, ino_t>> server_ends_;
};

// The config loader without a thread: load_config() runs at start(), and the outcome is
// signalled at once, or, with `hold`, when the test calls release() (a load that read the
// files at start() and is still checking them).
class FakeLoader final : public daemon::ConfigLoader {
 public:
  bool hold = false;
  int starts = 0;
  int fd() const override { return signal_.fd(); }
  Result<Ok> start(daemon::LoadRequest request) override {
    if (outcome_) return fail(std::string("a config load is already running"));
    ++starts;
    outcome_ = daemon::load_config(request);
    released_ = false;
    if (!hold) release();
    return Ok{};
  }
  bool loading() const { return outcome_.has_value(); }
  void release() {
    released_ = true;
    signal_.raise();
  }
  std::optional<daemon::LoadOutcome> finished() override {
    signal_.drain();
    if (!released_) return std::nullopt;
    return std::exchange(outcome_, std::nullopt);
  }

 private:
  Signal signal_;
  std::optional<daemon::LoadOutcome> outcome_;
  bool released_ = false;
};

}  // namespace floatd::test
