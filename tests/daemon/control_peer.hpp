// The client's end of a control connection, as floatctl uses it: writes framed requests (whole,
// in part, or raw bytes), reads frames without blocking, sees the server close. Over a
// socketpair end that ControlServer::adopt() or the fake control transport (fake_system.hpp)
// gave the server the other end of.
#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "floatd/control_protocol.hpp"

namespace floatd::test {

class ControlPeer {
 public:
  explicit ControlPeer(int fd) : fd_(fd) {}
  ControlPeer(ControlPeer&& o) noexcept : fd_(o.fd_), in_(std::move(o.in_)), eof_(o.eof_) {
    o.fd_ = -1;
  }
  ControlPeer(const ControlPeer&) = delete;
  ControlPeer& operator=(const ControlPeer&) = delete;
  ~ControlPeer() { close_now(); }

  static std::vector<std::uint8_t> request(const std::string& command,
                                           const nlohmann::json& args = nlohmann::json::object()) {
    return control::frame(
        nlohmann::json{{"version", 1}, {"command", command}, {"args", args}}.dump());
  }
  // Writes the whole frame (the socket buffer has room for the small requests used here).
  void send(const std::string& command, const nlohmann::json& args = nlohmann::json::object()) {
    send_bytes(request(command, args));
  }
  void send_bytes(const std::vector<std::uint8_t>& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      done += static_cast<std::size_t>(n);
    }
  }
  // Sends without blocking as much of `bytes` as fits; the count sent.
  std::size_t send_some(const std::vector<std::uint8_t>& bytes) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }
  void close_now() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  // Reads at most `n` bytes of what the server sent, without blocking, and keeps them unparsed.
  std::size_t read_some(std::size_t n) {
    std::vector<std::uint8_t> buf(n);
    const ssize_t got = recv(fd_, buf.data(), n, MSG_DONTWAIT);
    if (got <= 0) return 0;
    in_.insert(in_.end(), buf.begin(), buf.begin() + got);
    return static_cast<std::size_t>(got);
  }
  // Reads what is there; returns the next complete frame, parsed (must be valid JSON).
  std::optional<nlohmann::json> poll() {
    std::uint8_t buf[65536];
    for (;;) {
      const ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        in_.insert(in_.end(), buf, buf + n);
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) eof_ = true;
      break;
    }
    std::size_t used = 0;
    auto frame = control::unframe(in_, control::kMaxResponse, used);
    if (!frame || !frame->has_value()) return std::nullopt;
    in_.erase(in_.begin(), in_.begin() + static_cast<long>(used));
    return nlohmann::json::parse(**frame);  // throws (fails the test) on invalid JSON or UTF-8
  }
  bool eof() {
    (void)poll();
    return eof_;
  }

 private:
  int fd_;
  std::vector<std::uint8_t> in_;
  bool eof_ = false;
};

}  // namespace floatd::test
