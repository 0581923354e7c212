#include "daemon/control_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/control_request.hpp"
#include "floatd/control_protocol.hpp"

namespace floatd::daemon {

struct ControlServer::Client {
  ControlServer* server = nullptr;
  int fd = -1;
  ev_io watcher{};
  std::vector<std::uint8_t> in;
  std::vector<std::uint8_t> out;
  bool closing = false;  // peer closed or sent garbage: close once `out` is written
  bool subscribed = false;  // asked for "events": gets every broadcast
};

ControlServer::ControlServer(struct ev_loop* loop, Log& log, Handler handler)
    : loop_(loop), log_(log), handler_(std::move(handler)) {}

ControlServer::~ControlServer() {
  while (!clients_.empty()) close_client(clients_.begin()->first);
  if (listen_fd_ >= 0) {
    ev_io_stop(loop_, &accept_watcher_);
    close(listen_fd_);
    unlink(path_.c_str());
  }
}

Result<Ok> ControlServer::listen(const std::string& path, const std::string& group) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return fail("control socket path too long: " + path);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("control socket: " + std::string(std::strerror(errno)));
  unlink(path.c_str());  // a stale socket from a crashed floatd
  const mode_t old_mask = umask(0177);  // root-only: 0600
  const int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  umask(old_mask);
  if (rc < 0 || ::listen(fd, 16) < 0) {
    const std::string err = std::strerror(errno);
    close(fd);
    return fail("control socket " + path + ": " + err);
  }
  if (!group.empty()) {
    std::vector<char> buf(16384);
    struct group g {};
    struct group* found = nullptr;
    if (getgrnam_r(group.c_str(), &g, buf.data(), buf.size(), &found) != 0 || found == nullptr ||
        chown(path.c_str(), 0, found->gr_gid) < 0 || chmod(path.c_str(), 0660) < 0) {
      const std::string err = found == nullptr ? "no such group" : std::strerror(errno);
      close(fd);
      unlink(path.c_str());
      return fail("control socket " + path + " for group " + group + ": " + err);
    }
  }
  listen_fd_ = fd;
  path_ = path;
  ev_io_init(&accept_watcher_, on_accept, fd, EV_READ);
  accept_watcher_.data = this;
  ev_io_start(loop_, &accept_watcher_);
  return Ok{};
}

void ControlServer::on_accept(struct ev_loop*, ev_io* w, int) noexcept {
  static_cast<ControlServer*>(w->data)->accept_clients();
}

void ControlServer::accept_clients() {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or an error the next readiness will show again
    if (clients_.size() >= kMaxClients) {
      close(fd);
      if (auto suppressed = refuse_log_.allow(MonoClock::now())) {
        log_.warning("control: " + std::to_string(kMaxClients) +
                     " clients connected, refusing more" +
                     (*suppressed > 0 ? " (" + std::to_string(*suppressed) + " refused quietly)" : ""));
      }
      continue;
    }
    (void)adopt(fd);
  }
}

Result<Ok> ControlServer::adopt(int fd) {
  if (clients_.size() >= kMaxClients) {
    close(fd);
    return fail(std::string("too many control clients"));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  auto client = std::make_unique<Client>();
  client->server = this;
  client->fd = fd;
  ev_io_init(&client->watcher, on_client, fd, EV_READ);
  client->watcher.data = client.get();
  ev_io_start(loop_, &client->watcher);
  clients_[fd] = std::move(client);
  return Ok{};
}

void ControlServer::on_client(struct ev_loop*, ev_io* w, int) noexcept {
  auto* client = static_cast<Client*>(w->data);
  client->server->serve(*client);
}

// Reads and answers requests in order. A client is read only while its unsent responses stay
// under kMaxQueued, so one that sends without reading cannot grow the daemon: it simply
// stops being read until it drains what it asked for.
void ControlServer::serve(Client& c) {
  const int fd = c.fd;  // flush() may close and free the client
  flush(c);  // writable, or a first chance to drain before reading more
  if (clients_.count(fd) == 0) return;
  std::uint8_t buf[4096];
  while (!c.closing && c.out.size() <= kMaxQueued) {
    if (!answer_frames(c)) break;
    if (c.out.size() > kMaxQueued) break;
    const ssize_t n = read(c.fd, buf, sizeof buf);
    if (n > 0) {
      c.in.insert(c.in.end(), buf, buf + n);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) c.closing = true;
    break;
  }
  if (!c.closing) answer_frames(c);
  flush(c);
}

// Answers every complete request in `in` while there is room; false on a protocol error.
bool ControlServer::answer_frames(Client& c) {
  while (c.out.size() <= kMaxQueued) {
    std::size_t used = 0;
    auto frame = control::unframe(c.in, control::kMaxRequest, used);
    if (!frame) {
      const auto bytes = control::frame(control_response(fail(frame.error())));
      c.out.insert(c.out.end(), bytes.begin(), bytes.end());
      c.in.clear();
      c.closing = true;
      return false;
    }
    if (!frame->has_value()) return true;
    c.in.erase(c.in.begin(), c.in.begin() + static_cast<long>(used));
    const auto parsed = parse_control_request(**frame);
    if (parsed && parsed->command == "events") c.subscribed = true;
    const auto bytes = control::frame(respond(**frame));
    c.out.insert(c.out.end(), bytes.begin(), bytes.end());
  }
  return true;
}

void ControlServer::flush(Client& c) {
  while (!c.out.empty()) {
    const ssize_t n = write(c.fd, c.out.data(), c.out.size());
    if (n > 0) {
      c.out.erase(c.out.begin(), c.out.begin() + n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    c.out.clear();  // the peer is gone (EPIPE, ECONNRESET): nothing more can be delivered
    c.closing = true;
  }
  if (c.closing && c.out.empty()) {
    close_client(c.fd);
    return;
  }
  int events = c.out.empty() ? EV_READ : EV_WRITE;
  if (!c.out.empty() && c.out.size() <= kMaxQueued && !c.closing) events |= EV_READ;
  ev_io_stop(loop_, &c.watcher);
  ev_io_set(&c.watcher, c.fd, events);
  ev_io_start(loop_, &c.watcher);
}

void ControlServer::broadcast(const nlohmann::json& event) {
  if (clients_.empty()) return;
  const auto bytes = control::frame(event.dump());
  std::vector<int> subscribers;
  for (const auto& [fd, c] : clients_) {
    if (c->subscribed && !c->closing) subscribers.push_back(fd);
  }
  // By descriptor, not by iterator: flush() closes (and erases) a client whose peer is gone.
  for (int fd : subscribers) {
    auto it = clients_.find(fd);
    if (it == clients_.end()) continue;
    Client& c = *it->second;
    if (c.out.size() + bytes.size() > kMaxBacklog) {
      log_.warning("control: an events subscriber does not keep up; disconnecting it");
      close_client(fd);
      continue;
    }
    c.out.insert(c.out.end(), bytes.begin(), bytes.end());
    flush(c);
  }
}

std::size_t ControlServer::subscribers() const {
  std::size_t n = 0;
  for (const auto& [fd, c] : clients_) n += c->subscribed ? 1 : 0;
  return n;
}

std::size_t ControlServer::buffered_bytes() const {
  std::size_t n = 0;
  for (const auto& [fd, c] : clients_) n += c->in.size() + c->out.size();
  return n;
}

void ControlServer::close_client(int fd) {
  auto it = clients_.find(fd);
  if (it == clients_.end()) return;
  ev_io_stop(loop_, &it->second->watcher);
  close(fd);
  clients_.erase(it);
}

std::string ControlServer::respond(const std::string& request) const {
  auto parsed = parse_control_request(request);
  if (!parsed) return control_response(fail(parsed.error()));
  return control_response(handler_(parsed->command, parsed->args));
}

}  // namespace floatd::daemon
