// systemd's notify protocol as floatd speaks it: the datagram on a real unix socket, a path
// and an abstract name, and nothing at all without NOTIFY_SOCKET.
#include "daemon/service_notify.hpp"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

using floatd::daemon::notify_service_manager;

namespace {

// A datagram socket bound to `name` ("@x": abstract), as systemd listens.
struct Listener {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  std::string path;
  explicit Listener(const std::string& name) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    if (name[0] == '@') {
      addr.sun_path[0] = '\0';
    } else {
      path = name;
    }
    const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    REQUIRE(bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0);
  }
  ~Listener() {
    close(fd);
    if (!path.empty()) unlink(path.c_str());
  }
  std::string next() {  // waits up to a second
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) != 1) return "(nothing)";
    char buf[256];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    return n < 0 ? "(error)" : std::string(buf, static_cast<std::size_t>(n));
  }
};

struct Env {
  explicit Env(const std::string& value) { setenv("NOTIFY_SOCKET", value.c_str(), 1); }
  ~Env() { unsetenv("NOTIFY_SOCKET"); }
};

}  // namespace

TEST_CASE("sd_notify: READY=1 reaches a socket named by a path") {
  const std::string name = "/tmp/floatd-notify-" + std::to_string(getpid());
  Listener l(name);
  Env env(name);
  CHECK(notify_service_manager("READY=1") == "");
  CHECK(l.next() == "READY=1");
  CHECK(notify_service_manager("RELOADING=1\nMONOTONIC_USEC=12") == "");
  CHECK(l.next() == "RELOADING=1\nMONOTONIC_USEC=12");
}

TEST_CASE("sd_notify: an abstract socket (@name)") {
  const std::string name = "@floatd-notify-" + std::to_string(getpid());
  Listener l(name);
  Env env(name);
  CHECK(notify_service_manager("STOPPING=1") == "");
  CHECK(l.next() == "STOPPING=1");
}

TEST_CASE("sd_notify: without NOTIFY_SOCKET nothing is sent; a bad one is an error") {
  unsetenv("NOTIFY_SOCKET");
  CHECK(notify_service_manager("READY=1") == "");
  {
    Env env("relative/path");
    CHECK(notify_service_manager("READY=1").find("not a socket path") != std::string::npos);
  }
  {
    Env env("/tmp/floatd-notify-nobody-listens");
    CHECK(notify_service_manager("READY=1").find("notify /tmp/floatd-notify-nobody") == 0);
  }
}
