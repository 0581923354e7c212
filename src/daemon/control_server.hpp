// The control server on the event loop: each connection sends framed JSON requests
// (floatd/control_protocol.hpp) and gets one framed response per request; a client that asked
// for "events" also gets every broadcast event. Where connections come from is the control
// transport's business (daemon_ports.hpp: a unix socket, mode 0600 or 0660 for control_group,
// in floatd; socketpairs in tests), and the time is the Clock port's.
//
// Client lifetime: a client is never freed inside a call chain that may still touch it. The
// handler runs in the middle of serving a client and may publish an event (broadcast()), which
// can find any client's peer gone, even the one being served. So closing a client only retires
// it (watcher stopped, descriptor closed, marked dead, moved out of the live table); retired
// clients are freed when the outermost entry into the server (a libev callback, broadcast(),
// adopt()) returns.
//
// A large reply (a ReplyWriter's: the status of thousands of instances) is written a part per
// turn of the loop from an idle watcher, so the loop's timers and sockets run between the parts;
// meanwhile its client is not read, and its response goes out when complete, in order. A turn
// writes parts for as many clients as fit in Limits::writing_per_turn, taking them in turn from
// where the last turn stopped: two hundred clients asking for the status of a thousand
// instances at once (half a millisecond a part) must not hold the adverts for a tenth of a
// second (issue 15). Sending is never blocking: what the client's socket does not take waits
// for it to be writable. Each libev callback is an exception boundary: it logs, and closes only
// the client concerned; a handler that throws gets its client an "internal error: ..." response.
//
// Hostile or broken clients (issue 15): the table holds Limits::clients connections. When it is
// full, a new connection closes the one that has been quiet longest (no complete request since
// it connected or since its last one; a slow-loris client that never completes a frame is
// quietest of all), so a crowd of idle or half-sent connections cannot lock out floatctl. Only
// clients the daemon owes something to are kept: "events" subscribers (at most
// Limits::subscribers of them, so a crowd of subscriptions cannot fill the table either), a
// deferred request, a reply being written. A new connection is refused only when every client
// is one of those. Together the clients may make floatd hold at most Limits::buffered bytes:
// beyond that, the one holding most is closed (shed()), whatever it is owed, unless it is the
// only one holding anything (its own limits bound it). One callback reads
// at most Limits::read_per_turn bytes from a client and
// accepts at most Limits::accepts_per_turn connections, so a client sending a gigabyte or ten
// thousand connections arriving at once cannot hold the loop from the adverts' timers.
//
// Deferred replies: a handler that cannot answer yet (floatctl reload: the config loads on a
// worker thread) calls defer() while it runs, and the request is answered later by complete()
// with the id defer() gave. Until then that client's later requests wait unread, so responses
// keep the order of requests. A client gone meanwhile is no error: complete() finds no one.
#pragma once

#include <ev.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/control_request.hpp"
#include "daemon/control_stats.hpp"
#include "daemon/daemon_ports.hpp"
#include "floatd/log.hpp"
#include "floatd/result.hpp"
#include "floatd/time.hpp"

namespace floatd::daemon {

// What the server holds and does per turn of the loop (see above); tests make them small.
struct ControlLimits {
  std::size_t clients = 64;
  std::size_t subscribers = 56;           // room for commands beside the subscribers
  std::size_t read_per_turn = 256 * 1024;  // bytes read from one client per callback
  std::size_t accepts_per_turn = 64;      // connections accepted per callback
  // Time spent writing replies' parts per turn of the loop (at least one part is written).
  Microseconds writing_per_turn{1000};
  // Bytes all clients together may make floatd hold (requests unread, replies and events
  // unsent, replies being written); over it, the client holding most is closed. Per client
  // the other limits already hold (kMaxQueued, kMaxBacklog), but 64 of them are 64 times as
  // much: a status of 4,000 instances is 18 MB, and 64 clients asking for it and never reading
  // would hold a gigabyte (issue 15).
  std::size_t buffered = 64 * 1024 * 1024;
};

class ControlServer {
 public:
  // Turns a parsed request into a response body (without "version"/"ok": added here), a JSON
  // value or JSON text already written (control_request.hpp).
  // May publish events through broadcast(); may throw (answered as an internal error).
  using Handler = std::function<Result<ControlReply>(const std::string& command,
                                                      const nlohmann::json& args)>;

  using Limits = ControlLimits;
  static constexpr std::size_t kMaxClients = ControlLimits{}.clients;
  static constexpr std::size_t kMaxBacklog = 4 * 1024 * 1024;  // unsent event bytes per subscriber
  static constexpr std::size_t kMaxQueued = 1024 * 1024;  // unsent responses before we stop reading
  // A response this large (status or metrics of hundreds of instances) was built from a JSON
  // tree of megabytes of small nodes, now freed: malloc_trim() gives those pages back, or they
  // stay in RSS for good (issue 14: 16 MB of a 28 MB RSS at 1,000 instances, in use 4.8 MB).
  static constexpr std::size_t kLargeResponse = 64 * 1024;
  // Sent to one client per callback at most: a client that reads as fast as we send would
  // otherwise keep one callback copying a 4.6 MB status into its socket for ~10 ms.
  static constexpr std::size_t kMaxSendPerTurn = 256 * 1024;

  ControlServer(struct ev_loop* loop, Log& log, const Clock& clock, Handler handler,
                Limits limits = {});
  // Must not run from inside this server's own handler.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Listens through `transport` at `path` (ControlTransport::listen) and serves every
  // connection it accepts. The listener goes with the server.
  Result<Ok> listen(ControlTransport& transport, const std::string& path,
                    const std::string& group = {});

  // Serves a connected stream descriptor: what the listener accepted, or a socketpair end from
  // a test or the fuzzer. Takes ownership of `fd`. When Limits::clients are connected, the
  // client quiet longest is closed to make room; `fd` is refused (and closed) when none can be.
  Result<Ok> adopt(int fd);

  // Sends `event` to every client that asked for "events" (floatctl events), in order.
  // A client that does not keep up (over kMaxBacklog unsent) is disconnected. Never throws;
  // bytes that are not UTF-8 go out as U+FFFD.
  void broadcast(const nlohmann::json& event);
  std::size_t subscribers() const;
  std::size_t clients() const { return clients_.size(); }
  ControlStats stats() const;

  // Only from inside the handler: the request being served is answered later, by complete()
  // with the returned id, and what the handler returns is dropped. nullopt outside a request
  // (a caller that is not this server, such as a test calling the handler's target directly).
  std::optional<std::uint64_t> defer();
  // Answers the deferred request `id`. Nothing happens when its client has gone (closed,
  // disconnected) or the id is unknown. Never throws.
  void complete(std::uint64_t id, const Result<nlohmann::json>& result) noexcept;
  // Bytes held for all clients (unread requests, unsent responses and events, replies being
  // written): what clients that never read can make the daemon hold.
  std::size_t buffered_bytes() const;

 private:
  struct Client;
  class Entry;  // one entry into the server; the outermost frees retired clients on exit

  static void on_accept(struct ev_loop* loop, ev_io* w, int revents) noexcept;
  static void on_client(struct ev_loop* loop, ev_io* w, int revents) noexcept;
  static void on_step(struct ev_loop* loop, ev_idle* w, int revents) noexcept;
  void start_writing(Client& client, std::unique_ptr<ReplyWriter> writer);
  void step(Client& client);
  void accept_clients();
  void serve(Client& client);
  bool answer_frames(Client& client);
  Result<ControlReply> answer(const Result<ControlRequest>& request, Client& client);
  std::size_t queue(Client& client, const std::string& body);  // returns body.size()
  void flush(Client& client);
  void retire(Client& client) noexcept;
  void shed();  // closes the clients holding most while all hold over Limits::buffered
  Client* quietest() const;  // the client to close for a new one, if any may be

  struct ev_loop* loop_;
  Log& log_;
  const Clock& clock_;
  Handler handler_;
  Limits limits_;
  std::uint64_t evicted_ = 0;
  std::uint64_t refused_ = 0;
  std::uint64_t shed_ = 0;
  std::unique_ptr<ControlListener> listener_;
  ev_io accept_watcher_{};
  ev_idle step_watcher_{};  // active while a client's reply is being written
  int next_writer_ = -1;     // the descriptor whose reply the next turn writes first
  std::map<int, std::unique_ptr<Client>> clients_;  // live clients, by descriptor
  std::vector<std::unique_ptr<Client>> retired_;    // closed, freed when depth_ returns to 0
  int depth_ = 0;                                   // nested entries into the server
  Client* serving_ = nullptr;                       // whose request the handler runs for
  std::uint64_t next_deferred_ = 1;
  RateLimiter refuse_log_{1, std::chrono::seconds{10}};
  RateLimiter evict_log_{1, std::chrono::seconds{10}};
  RateLimiter shed_log_{1, std::chrono::seconds{10}};
};

}  // namespace floatd::daemon
