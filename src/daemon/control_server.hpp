// The control socket: a unix stream socket on the event loop. Each connection sends framed
// JSON requests (floatd/control_protocol.hpp) and gets one framed response per request.
// Root-only by default: the socket file is mode 0600 (0660 with a group, later).
#pragma once

#include <ev.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "floatd/log.hpp"
#include "floatd/result.hpp"

namespace floatd::daemon {

class ControlServer {
 public:
  // Turns a parsed request into a response body (without "version"/"ok": added here).
  using Handler = std::function<Result<nlohmann::json>(const std::string& command,
                                                        const nlohmann::json& args)>;

  static constexpr std::size_t kMaxClients = 64;
  static constexpr std::size_t kMaxBacklog = 4 * 1024 * 1024;  // unsent event bytes per subscriber
  static constexpr std::size_t kMaxQueued = 1024 * 1024;  // unsent responses before we stop reading

  ControlServer(struct ev_loop* loop, Log& log, Handler handler);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds `path` (replacing a stale socket file), mode 0600, or 0660 owned by `group` so
  // that its members may use floatctl (control_group).
  Result<Ok> listen(const std::string& path, const std::string& group = {});

  // Sends `event` to every client that asked for "events" (floatctl events), in order.
  // A client that does not keep up (over kMaxBacklog unsent) is disconnected.
  void broadcast(const nlohmann::json& event);

  // Serves an already-connected stream socket as if it had been accepted (tests and the
  // fuzzer drive the server over a socketpair). Takes ownership of `fd`; refused (and closed)
  // when kMaxClients are connected.
  Result<Ok> adopt(int fd);
  std::size_t subscribers() const;
  std::size_t clients() const { return clients_.size(); }
  // Bytes held for all clients (unread requests, unsent responses and events): what a client
  // that never reads can make the daemon hold.
  std::size_t buffered_bytes() const;

 private:
  struct Client;
  static void on_accept(struct ev_loop* loop, ev_io* w, int revents) noexcept;
  static void on_client(struct ev_loop* loop, ev_io* w, int revents) noexcept;
  void accept_clients();
  void serve(Client& client);
  bool answer_frames(Client& client);
  void close_client(int fd);
  void flush(Client& client);
  std::string respond(const std::string& request) const;

  struct ev_loop* loop_;
  Log& log_;
  Handler handler_;
  std::string path_;
  int listen_fd_ = -1;
  ev_io accept_watcher_{};
  std::map<int, std::unique_ptr<Client>> clients_;
  RateLimiter refuse_log_{1, std::chrono::seconds{10}};
};

}  // namespace floatd::daemon
