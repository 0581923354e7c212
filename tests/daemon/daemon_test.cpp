// The whole Daemon through its ports (daemon_ports.hpp), with a fake kernel, fake VRRP sockets,
// a fake timer and a fake clock: elections, the kernel's state repaired, reload, sync groups,
// stop. Scripts and the control socket are real (a temporary directory), as is libev's loop.
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <cstdio>
#include <string>

#include <doctest/doctest.h>

#include "config/config.hpp"
#include "daemon/control_request.hpp"
#include "daemon/daemon.hpp"
#include "daemon/spawn_launcher.hpp"
#include "fake_ports.hpp"
#include "fake_system.hpp"
#include "floatd/control_protocol.hpp"
#include "floatd/text.hpp"
#include "vrrp/packet.hpp"

using namespace floatd;  // NOLINT
using namespace std::chrono_literals;
using test::FakeNetwork;

namespace {

const IpAddress kVip = *IpAddress::parse("192.0.2.100");
const IpAddress kPeer = *IpAddress::parse("192.0.2.3");

std::string base_config(int priority = 100) {
  return "[global]\nrouter_id = r1\n\n[instance web]\ninterface = eth0\nvirtual_router_id = 51\n"
         "priority = " + std::to_string(priority) +
         "\nadvert_int = 1\nvirtual_ipaddress = 192.0.2.100/24\ngarp_master_delay = 0\n";
}

// One Daemon on fakes, in a temporary directory that holds its config, pid file and socket.
class Harness {
 public:
  FakeClock clock{MonoTime{Microseconds{1'000'000'000}}};
  FakeNetwork net;
  test::FakeKernel kernel{net};
  test::FakeMonitor monitor{net};
  test::FakeTransport vrrp;
  test::FakeFrames frames;
  test::FakeTimer timer;
  daemon::SpawnLauncher launcher;  // real scripts
  test::MemoryLog log;
  std::string dir;
  int eth0 = 0;
  std::unique_ptr<daemon::Daemon> d;

  Harness() {
    char tmpl[] = "/tmp/floatd-daemon-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    eth0 = net.add_link("eth0");
    net.add_address(eth0, *IpPrefix::parse("192.0.2.2/24"), 0);
  }
  ~Harness() {
    if (d) d->stop();
    d.reset();
    std::filesystem::remove_all(dir);
  }
  std::string conf_path() const { return dir + "/floatd.conf"; }
  void write_config(const std::string& text) { std::ofstream(conf_path(), std::ios::trunc) << text; }
  // An executable /bin/sh script in the directory; returns its path.
  std::string write_script(const std::string& name, const std::string& body) const {
    const std::string path = dir + "/" + name;
    std::ofstream(path, std::ios::trunc) << "#!/bin/sh\n" << body;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
  }

  void start(const std::string& text) {
    write_config(text);
    auto config = config::load(conf_path());
    REQUIRE_MESSAGE(config.ok(), (config.ok() ? "" : config.error().front().to_string()));
    daemon::Options options;
    options.config = conf_path();
    options.pid_file = dir + "/floatd.pid";
    options.control_socket = dir + "/floatd.sock";
    d = std::make_unique<daemon::Daemon>(
        options, std::move(*config), log,
        daemon::DaemonPorts{clock, kernel, monitor, vrrp, frames, timer, launcher});
    auto started = d->start();
    REQUIRE_MESSAGE(started.ok(), (started.ok() ? "" : started.error()));
    pump();
  }
  // Lets the loop handle whatever is ready now (pipes, deferred work), without waiting.
  void pump() {
    for (int i = 0; i < 8; ++i) ev_run(d->loop(), EVRUN_NOWAIT);
  }
  // Moves the fake clock forward by `d`, firing the timer at each armed time on the way.
  void advance(Microseconds by) {
    const MonoTime target = clock.now() + by;
    while (timer.armed && *timer.armed <= target) {
      clock.set(std::max(clock.now(), *timer.armed));
      timer.fire_if_due(clock.now());
      pump();
    }
    clock.set(target);
    pump();
  }
  // Runs the loop for real (scripts, real time) until pred() or `limit`.
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > until) return false;
      ev_run(d->loop(), EVRUN_NOWAIT);
      usleep(2000);
    }
    return true;
  }
  nlohmann::json instance(const std::string& name = "web") {
    auto s = d->control("status", nlohmann::json::object());
    REQUIRE(s.ok());
    for (const auto& i : (*s)["instances"]) {
      if (i["name"] == name) return i;
    }
    FAIL("no instance " << name);
    return {};
  }
  std::string state(const std::string& name = "web") { return instance(name)["state"]; }
  void hear(int priority, const IpAddress& from = kPeer) {
    vrrp::Advert a;
    a.version = Version::kV3;
    a.vrid = 51;
    a.priority = static_cast<Priority>(priority);
    a.interval = Centiseconds{100};
    a.addresses = {kVip};
    const IpAddress group = vrrp::multicast_group(Family::kIPv4);
    auto bytes = vrrp::encode(a, from, group, vrrp::ChecksumForm::kPseudoHeader);
    auto* socket = vrrp.open_sockets.at({"eth0", Family::kIPv4});
    socket->deliver({std::move(bytes), vrrp::PacketInfo{from, group, 255}, 0});
    pump();
  }
  int last_sent_priority() const {
    REQUIRE_FALSE(vrrp.sent.empty());
    return vrrp.sent.back().message.at(2);
  }
};

// Master_Down_Interval at advert_int 1 s, priority 100: 3 s + Skew_Time (156/256 s).
constexpr Microseconds kMdi100{3'609'375};

}  // namespace

TEST_CASE("daemon: a lone router becomes Master after Master_Down_Interval (SM-2, TMR-3)") {
  Harness h;
  h.start(base_config());
  CHECK(h.state() == "BACKUP");
  h.advance(kMdi100 - 1ms);
  CHECK(h.state() == "BACKUP");
  CHECK(h.vrrp.sent.empty());
  h.advance(1ms);
  CHECK(h.state() == "MASTER");
  CHECK(h.net.has_address("eth0", kVip));
  CHECK(h.frames.sent.size() >= 1);
  CHECK(h.last_sent_priority() == 100);
}

TEST_CASE("daemon: a higher-priority advert keeps it Backup; silence then makes it Master") {
  Harness h;
  h.start(base_config());
  for (int i = 0; i < 5; ++i) {
    h.advance(1s);
    h.hear(200);
  }
  CHECK(h.state() == "BACKUP");
  h.advance(kMdi100);
  CHECK(h.state() == "MASTER");
}

TEST_CASE("daemon: a Master's VIP removed behind its back is put back") {
  Harness h;
  h.start(base_config());
  h.advance(kMdi100);
  REQUIRE(h.state() == "MASTER");
  h.net.remove_address(h.eth0, *IpPrefix::parse("192.0.2.100/24"));
  h.pump();
  CHECK(h.net.has_address("eth0", kVip));
}

TEST_CASE("daemon: a netlink overrun is followed by a full dump") {
  Harness h;
  h.start(base_config());
  h.advance(kMdi100);
  REQUIRE(h.state() == "MASTER");
  const int dumps = h.monitor.dumps;
  h.net.lose_notifications = true;
  h.net.set_carrier(h.eth0, false);  // unseen, but for the overrun
  h.net.lose_notifications = false;
  h.pump();
  CHECK(h.monitor.dumps == dumps + 1);
  CHECK(h.state() == "FAULT");  // learnt from the dump
}

TEST_CASE("daemon: reload updates priority in place; a config with errors changes nothing") {
  Harness h;
  h.start(base_config(100));
  h.advance(kMdi100);
  REQUIRE(h.state() == "MASTER");
  h.write_config(base_config(120));
  auto r = h.d->control("reload", nlohmann::json::object());
  REQUIRE(r.ok());
  CHECK((*r)["updated"] == 1);
  CHECK(h.instance()["priority"] == 120);
  CHECK(h.state() == "MASTER");
  h.write_config(base_config(120) + "bogus_key = 1\n");
  auto bad = h.d->control("reload", nlohmann::json::object());
  CHECK_FALSE(bad.ok());
  CHECK(h.instance()["priority"] == 120);
  CHECK(h.state() == "MASTER");
}

TEST_CASE("daemon: stop resigns with priority 0, removes the VIP and closes the doors (SM-9)") {
  Harness h;
  h.start(base_config());
  h.advance(kMdi100);
  REQUIRE(h.state() == "MASTER");
  h.d->stop();
  CHECK(h.d->phase() == daemon::Phase::kStopping);
  CHECK(h.last_sent_priority() == 0);
  CHECK_FALSE(h.net.has_address("eth0", kVip));
  CHECK_FALSE(h.d->control("reload", nlohmann::json::object()).ok());
  CHECK_FALSE(std::filesystem::exists(h.dir + "/floatd.sock"));
  CHECK_FALSE(std::filesystem::exists(h.dir + "/floatd.pid"));
  h.d->on_signal(h.d->loop(), SIGHUP);  // ignored while stopping
  CHECK(h.log.lines.back() == "SIGHUP ignored: floatd is stopping");
}

TEST_CASE("daemon: a sync group follows its member into Fault") {
  Harness h;
  const int eth1 = h.net.add_link("eth1");
  h.net.add_address(eth1, *IpPrefix::parse("198.51.100.2/24"), 0);
  h.start(base_config() +
          "\n[instance db]\ninterface = eth1\nvirtual_router_id = 52\npriority = 100\n"
          "advert_int = 1\nvirtual_ipaddress = 198.51.100.100/24\ngarp_master_delay = 0\n"
          "\n[sync_group g1]\ngroup = web db\n");
  h.advance(kMdi100);
  REQUIRE(h.state("web") == "MASTER");
  REQUIRE(h.state("db") == "MASTER");
  h.net.set_carrier(eth1, false);
  h.pump();
  CHECK(h.state("db") == "FAULT");
  CHECK(h.state("web") == "FAULT");
  CHECK_FALSE(h.net.has_address("eth0", kVip));
}

TEST_CASE("daemon: script output of any bytes reaches status as valid text (defect 1)") {
  Harness h;
  const std::string script = h.write_script("check", "printf 'caf\\351 \\377\\001'\nexit 1\n");
  h.start(base_config() + "track_script = chk weight -10\n\n[script chk]\nscript = " + script +
          "\ninterval = 0.1\nfall = 1\n");
  auto failed = [&] {
    auto s = h.d->control("status", nlohmann::json::object());
    return s.ok() && (*s)["tracking"]["scripts"][0]["state"] == "FAILED";
  };
  REQUIRE(h.run_until(failed));
  h.pump();  // the tracking result is applied at the next loop iteration
  auto status = h.d->control("status", nlohmann::json::object());
  REQUIRE(status.ok());
  const std::string last = (*status)["tracking"]["scripts"][0]["last"];
  CHECK(is_clean_text(last));
  std::string wire;
  CHECK_NOTHROW(wire = daemon::control_response(status));
  CHECK(wire.find("caf\\\\xe9") != std::string::npos);
  CHECK(h.instance()["effective_priority"] == 90);
}

namespace {

// A control client on the daemon's real socket.
class Client {
 public:
  explicit Client(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~Client() { close(); }
  void send(const std::string& command, const std::string& args = "{}") {
    const auto bytes = control::frame(R"({"version":1,"command":")" + command + R"(","args":)" + args + "}");
    REQUIRE(::write(fd_, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace

TEST_CASE("daemon: a subscriber that asks for a handover and vanishes hurts nobody (defect 2)") {
  Harness h;
  h.start(base_config());
  h.advance(kMdi100);
  REQUIRE(h.state() == "MASTER");
  {
    Client c(h.dir + "/floatd.sock");
    c.send("events");
    c.send("handover", R"({"name":"web"})");
    c.close();  // before the answers: the handover's event is broadcast to a closed client
    h.pump();
  }
  CHECK(h.last_sent_priority() == 0);  // the handover happened
  Client again(h.dir + "/floatd.sock");  // and the server still serves
  again.send("status");
  bool answered = false;
  h.run_until([&] {
    pollfd p{again.fd(), POLLIN, 0};
    answered = poll(&p, 1, 0) > 0;
    return answered;
  });
  CHECK(answered);
}

TEST_CASE("daemon: stop waits for notify_stop, which sees the instance stop") {
  Harness h;
  const std::string marker = h.dir + "/stopped";
  const std::string script =
      h.write_script("notify", "sleep 0.2\necho \"$FLOATD_STATE\" > " + marker + "\n");
  h.start(base_config() + "notify_stop = " + script + "\n");
  h.advance(kMdi100);
  REQUIRE(h.state() == "MASTER");
  h.d->stop();  // returns once the notify command has finished (notify_timeout is 30 s)
  std::ifstream in(marker);
  std::string state;
  in >> state;
  CHECK(state == "STOP");
}
