#include "daemon/control_server.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "daemon/callback_guard.hpp"
#include "floatd/text.hpp"
#include "floatd/control_protocol.hpp"

namespace floatd::daemon {

namespace {

// Bytes to send, taken from the front without moving the rest: a status of megabytes goes out in
// socket-buffer-sized pieces, and erasing each piece from the front would move it all each time.
class OutBuffer {
 public:
  std::size_t size() const { return bytes_.size() - sent_; }
  bool empty() const { return size() == 0; }
  const char* data() const { return bytes_.data() + sent_; }
  void consume(std::size_t n) {
    sent_ += n;
    if (sent_ == bytes_.size()) clear();
  }
  void append(std::string&& more) {
    if (empty()) {
      clear();
      bytes_ = std::move(more);
    } else {
      append(std::string_view(more));
    }
  }
  void append(std::string_view more) {
    if (sent_ > 0) {
      bytes_.erase(0, sent_);
      sent_ = 0;
    }
    bytes_.append(more);
  }
  void clear() {
    // A large reply's room is given back; a small one's is kept for the next.
    if (bytes_.capacity() > 64 * 1024) {
      bytes_ = std::string();
    } else {
      bytes_.clear();
    }
    sent_ = 0;
  }

 private:
  std::string bytes_;
  std::size_t sent_ = 0;
};

std::string_view as_text(const std::vector<std::uint8_t>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

struct ControlServer::Client {
  ControlServer* server = nullptr;
  int fd = -1;
  ev_io watcher{};
  std::vector<std::uint8_t> in;
  OutBuffer out;
  std::unique_ptr<ReplyWriter> writer;  // a reply being written (step()): not read meanwhile
  std::string writing;                  // its frame so far
  // What it makes floatd hold (Limits::buffered).
  std::size_t held() const { return in.size() + out.size() + writing.size(); }
  bool closing = false;     // peer closed or sent garbage: close once `out` is written
  bool subscribed = false;  // asked for "events": gets every broadcast
  bool dead = false;        // retired: nothing may read or write it any more
  std::uint64_t deferred = 0;  // a request to be answered by complete(): nothing read till then
  MonoTime quiet_since{};      // connected, or last sent a complete request: see quietest()
};

class ControlServer::Entry {
 public:
  explicit Entry(ControlServer& server) noexcept : server_(server) { ++server_.depth_; }
  ~Entry() {
    if (--server_.depth_ == 0) server_.retired_.clear();  // no frame of ours is on the stack
  }
  Entry(const Entry&) = delete;
  Entry& operator=(const Entry&) = delete;

 private:
  ControlServer& server_;
};

ControlServer::ControlServer(struct ev_loop* loop, Log& log, const Clock& clock, Handler handler,
                             Limits limits)
    : loop_(loop), log_(log), clock_(clock), handler_(std::move(handler)), limits_(limits) {
  ev_idle_init(&step_watcher_, on_step);
  step_watcher_.data = this;
}

ControlServer::~ControlServer() {
  ev_idle_stop(loop_, &step_watcher_);
  for (auto& [fd, c] : clients_) {
    ev_io_stop(loop_, &c->watcher);
    close(fd);
  }
  if (listener_) ev_io_stop(loop_, &accept_watcher_);  // the listener itself goes after this
}

Result<Ok> ControlServer::listen(ControlTransport& transport, const std::string& path,
                                 const std::string& group) {
  auto listener = transport.listen(path, group);
  if (!listener) return fail(listener.error());
  if (listener_) ev_io_stop(loop_, &accept_watcher_);
  listener_ = std::move(*listener);
  ev_io_init(&accept_watcher_, on_accept, listener_->fd(), EV_READ);
  accept_watcher_.data = this;
  ev_io_start(loop_, &accept_watcher_);
  return Ok{};
}

void ControlServer::on_accept(struct ev_loop*, ev_io* w, int) noexcept {
  auto& s = *static_cast<ControlServer*>(w->data);
  const Entry entry(s);
  guarded(s.log_, "control: accept", [&] { s.accept_clients(); });
}

// The rest of a crowd waits in the listener's backlog for the next turn of the loop.
void ControlServer::accept_clients() {
  for (std::size_t n = 0; n < limits_.accepts_per_turn; ++n) {
    const int fd = listener_->accept();
    if (fd < 0) return;  // EAGAIN, or an error the next readiness will show again
    if (auto r = adopt(fd); !r) {
      if (auto suppressed = refuse_log_.allow(clock_.now())) {
        log_.warning("control: refusing a connection: " + r.error() +
                     (*suppressed > 0 ? " (" + std::to_string(*suppressed) + " refused quietly)"
                                      : ""));
      }
    }
  }
}

Result<Ok> ControlServer::adopt(int fd) {
  const Entry entry(*this);  // a client closed for this one is freed on the way out
  if (clients_.size() >= limits_.clients) {
    Client* quiet = quietest();
    if (quiet == nullptr) {
      close(fd);
      ++refused_;
      return fail(std::to_string(clients_.size()) +
                  " clients connected, each subscribed to events or owed a reply");
    }
    ++evicted_;
    if (auto suppressed = evict_log_.allow(clock_.now())) {
      const auto quiet_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
          clock_.now() - quiet->quiet_since);
      log_.warning("control: " + std::to_string(clients_.size()) +
                   " clients connected; closing the one quiet longest (" +
                   std::to_string(quiet_ms.count()) + " ms) for a new one" +
                   (*suppressed > 0 ? " (" + std::to_string(*suppressed) + " more closed quietly)"
                                    : ""));
    }
    retire(*quiet);  // within the room an earlier adopt() reserved in retired_
  }
  std::unique_ptr<Client> client;
  try {
    client = std::make_unique<Client>();
    // Room for every client to be retired before the next free, so retire() cannot throw.
    retired_.reserve(retired_.size() + clients_.size() + 1);
    clients_[fd];  // allocates the node now: nothing below throws
  } catch (const std::exception& e) {
    close(fd);
    return fail("control client: " + std::string(e.what()));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  client->server = this;
  client->fd = fd;
  client->quiet_since = clock_.now();
  ev_io_init(&client->watcher, on_client, fd, EV_READ);
  client->watcher.data = client.get();
  ev_io_start(loop_, &client->watcher);
  clients_[fd] = std::move(client);
  return Ok{};
}

// A boundary per client: whatever escapes serving it is logged and closes that client only.
void ControlServer::on_client(struct ev_loop*, ev_io* w, int) noexcept {
  auto* c = static_cast<Client*>(w->data);
  auto& s = *c->server;
  const Entry entry(s);  // outside guarded(): `c` stays allocated until recover has run
  guarded(s.log_, "control: client", [&] { s.serve(*c); }, [&] { s.retire(*c); });
}

// Reads and answers requests in order. A client is read only while its unsent responses stay
// under kMaxQueued, so one that sends without reading cannot grow the daemon: it simply
// stops being read until it drains what it asked for. At most Limits::read_per_turn bytes are
// read per call; what is left in the socket makes the (level-triggered) watcher call again on
// the next turn of the loop, after the timers.
void ControlServer::serve(Client& c) {
  flush(c);  // writable, or a first chance to drain before reading more
  std::uint8_t buf[4096];
  std::size_t read_now = 0;
  while (!c.dead && !c.closing && !c.writer && c.out.size() <= kMaxQueued) {
    if (!answer_frames(c) || c.dead || c.deferred != 0 || c.writer || c.out.size() > kMaxQueued) {
      break;
    }
    if (read_now >= limits_.read_per_turn) break;
    const ssize_t n = read(c.fd, buf, std::min(sizeof buf, limits_.read_per_turn - read_now));
    if (n > 0) {
      read_now += static_cast<std::size_t>(n);
      c.in.insert(c.in.end(), buf, buf + n);
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) c.closing = true;
    break;
  }
  if (!c.dead && !c.closing && !c.writer) answer_frames(c);
  flush(c);
  shed();
}

// Answers every complete request in `in` while there is room and none is deferred; false on a
// protocol error or when the client was retired meanwhile (the handler's events found its peer
// gone).
bool ControlServer::answer_frames(Client& c) {
  while (!c.dead && c.deferred == 0 && !c.writer && c.out.size() <= kMaxQueued) {
    std::size_t used = 0;
    auto frame = control::unframe(c.in, control::kMaxRequest, used);
    if (!frame) {
      queue(c, control_response(fail(frame.error())));
      c.in.clear();
      c.closing = true;
      return false;
    }
    if (!frame->has_value()) return true;
    c.in.erase(c.in.begin(), c.in.begin() + static_cast<long>(used));
    c.quiet_since = clock_.now();
    const auto request = parse_control_request(**frame);
    auto result = answer(request, c);  // may broadcast, and so retire any client
    if (c.dead) return false;
    if (c.deferred != 0) return true;  // complete() answers it
    if (request && request->command == "events" && result) c.subscribed = true;
    if (result && result->writer) {
      start_writing(c, std::move(result->writer));
    } else if (queue(c, reply_response(result)) >= kLargeResponse) {
      malloc_trim(0);  // the tree it was built from is freed: give its pages back
    }
  }
  return !c.dead;
}

// The handler's answer; an exception from it (a bug elsewhere) becomes an error response, at
// once, even when the handler had deferred the request.
Result<ControlReply> ControlServer::answer(const Result<ControlRequest>& request, Client& c) {
  if (!request) return fail(request.error());
  if (request->command == "events" && !c.subscribed && subscribers() >= limits_.subscribers) {
    return fail(std::to_string(subscribers()) +
                " clients already subscribe to events; floatd takes no more");
  }
  std::string what;
  try {
    serving_ = &c;  // defer() applies to `c` while the handler runs, and only then
    struct Reset {
      Client*& serving;
      ~Reset() { serving = nullptr; }
    } reset{serving_};
    return handler_(request->command, request->args);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  c.deferred = 0;
  log_.error("control: command '" + sanitize_text(request->command, 64) +
             "': internal error: " + sanitize_text(what));
  return fail("internal error: " + what);
}

std::optional<std::uint64_t> ControlServer::defer() {
  if (serving_ == nullptr) return std::nullopt;
  serving_->deferred = next_deferred_++;
  return serving_->deferred;
}

void ControlServer::complete(std::uint64_t id, const Result<nlohmann::json>& result) noexcept {
  const Entry entry(*this);
  Client* c = nullptr;
  for (const auto& [fd, client] : clients_) {
    if (id != 0 && client->deferred == id) c = client.get();
  }
  if (c == nullptr) return;  // gone meanwhile (retired clients are not in clients_)
  guarded(log_, "control: deferred reply", [&] {
    c->deferred = 0;
    queue(*c, control_response(result));
    serve(*c);  // then the requests that waited behind it
  }, [&] { retire(*c); });
}

std::size_t ControlServer::queue(Client& c, const std::string& body) {
  const auto n = static_cast<std::uint32_t>(body.size());
  const char header[control::kHeaderSize] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                                             static_cast<char>(n >> 8), static_cast<char>(n)};
  c.out.append(std::string_view(header, sizeof header));
  c.out.append(body);
  return body.size();
}

// The frame's header is filled in when the text is complete (step()).
void ControlServer::start_writing(Client& c, std::unique_ptr<ReplyWriter> writer) {
  c.writer = std::move(writer);
  c.writing.assign(control::kHeaderSize, '\0');
  c.writing += kResultPrefix;
  ev_idle_start(loop_, &step_watcher_);
}

void ControlServer::on_step(struct ev_loop*, ev_idle* w, int) noexcept {
  auto& s = *static_cast<ControlServer*>(w->data);
  const Entry entry(s);
  // The clients with a reply to write, from the one the last turn did not reach, round.
  std::vector<Client*> writing;
  const auto from = s.clients_.lower_bound(s.next_writer_);
  for (auto it = from; it != s.clients_.end(); ++it) {
    if (it->second->writer) writing.push_back(it->second.get());
  }
  for (auto it = s.clients_.begin(); it != from; ++it) {
    if (it->second->writer) writing.push_back(it->second.get());
  }
  if (writing.empty()) ev_idle_stop(s.loop_, &s.step_watcher_);
  const MonoTime start = s.clock_.now();
  for (std::size_t i = 0; i < writing.size(); ++i) {
    Client* c = writing[i];  // retired ones stay allocated until `entry` ends
    if (i > 0 && s.clock_.now() - start >= s.limits_.writing_per_turn) {
      s.next_writer_ = c->fd;  // first in line next turn
      return;
    }
    if (!c->dead) guarded(s.log_, "control: reply", [&] { s.step(*c); }, [&] { s.retire(*c); });
  }
  s.next_writer_ = -1;
}

// One part of the client's reply; once complete it is queued and the client read again.
void ControlServer::step(Client& c) {
  bool done = false;
  try {
    done = c.writer->write_some(c.writing);
  } catch (const std::exception& e) {
    log_.error("control: writing a reply: internal error: " + sanitize_text(e.what()));
    c.writer.reset();
    c.writing.clear();
    queue(c, control_response(fail("internal error: " + std::string(e.what()))));
  }
  if (!done) {
    flush(c);
    return shed();
  }
  c.writer.reset();
  c.writing += result_suffix();
  const auto n = static_cast<std::uint32_t>(c.writing.size() - control::kHeaderSize);
  for (std::size_t i = 0; i < control::kHeaderSize; ++i) {
    c.writing[i] = static_cast<char>(n >> (8 * (control::kHeaderSize - 1 - i)));
  }
  c.out.append(std::move(c.writing));
  c.writing = std::string();
  serve(c);  // the requests that waited, then flush
}

void ControlServer::flush(Client& c) {
  if (c.dead) return;
  for (std::size_t turn = 0; !c.out.empty() && turn < kMaxSendPerTurn;) {
    const std::size_t size = std::min(c.out.size(), kMaxSendPerTurn - turn);
    const ssize_t n = send(c.fd, c.out.data(), size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c.out.consume(static_cast<std::size_t>(n));
      turn += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
    c.out.clear();  // the peer is gone (EPIPE, ECONNRESET): nothing more can be delivered
    c.closing = true;
  }
  if (c.closing && c.out.empty()) {
    retire(c);
    return;
  }
  int events = c.out.empty() ? EV_READ : EV_WRITE;
  if (!c.out.empty() && c.out.size() <= kMaxQueued && !c.closing) events |= EV_READ;
  // Read again once complete() has answered, or the reply being written is complete.
  if (c.deferred != 0 || c.writer) events &= ~EV_READ;
  ev_io_stop(loop_, &c.watcher);
  if (events == 0) return;  // step() flushes again when the reply is complete
  ev_io_set(&c.watcher, c.fd, events);
  ev_io_start(loop_, &c.watcher);
}

void ControlServer::broadcast(const nlohmann::json& event) {
  if (clients_.empty()) return;
  const Entry entry(*this);
  std::vector<std::uint8_t> bytes;
  std::vector<Client*> subscribers;
  guarded(log_, "control: broadcast", [&] {
    bytes = control::frame(dump_json(event));
    for (const auto& [fd, c] : clients_) {
      if (c->subscribed && !c->closing) subscribers.push_back(c.get());
    }
  });
  // Retired clients stay allocated until `entry` ends, so these pointers stay valid.
  for (Client* c : subscribers) {
    if (c->dead) continue;
    guarded(log_, "control: event", [&] {
      if (c->out.size() + bytes.size() > kMaxBacklog) {
        log_.warning("control: an events subscriber does not keep up; disconnecting it");
        retire(*c);
        return;
      }
      c->out.append(as_text(bytes));
      flush(*c);
    }, [&] { retire(*c); });
  }
  shed();
}

std::size_t ControlServer::subscribers() const {
  std::size_t n = 0;
  for (const auto& [fd, c] : clients_) n += c->subscribed ? 1 : 0;
  return n;
}

ControlStats ControlServer::stats() const {
  return {clients_.size(), subscribers(), evicted_, refused_, shed_};
}

// The client that has gone longest without a complete request, among those floatd owes
// nothing: not a subscriber, no deferred request, no reply being written, not being served.
// One with answers still being sent (a status of megabytes to a slow reader) goes only when
// no other can: a client that never reads what it asked for can be closed, but after the
// idle and the half-sent ones.
ControlServer::Client* ControlServer::quietest() const {
  Client* quiet = nullptr;
  const auto key = [](const Client& c) { return std::pair(!c.out.empty(), c.quiet_since); };
  for (const auto& [fd, c] : clients_) {
    if (c->subscribed || c->deferred != 0 || c->writer || c.get() == serving_) continue;
    if (quiet == nullptr || key(*c) < key(*quiet)) quiet = c.get();
  }
  return quiet;
}

std::size_t ControlServer::buffered_bytes() const {
  std::size_t n = 0;
  for (const auto& [fd, c] : clients_) n += c->held();
  return n;
}

// Over Limits::buffered together, the client holding most goes: a subscriber far behind, a
// client that asked for megabytes and does not read. Not the only client holding anything:
// its own limits bound it (kMaxBacklog, kMaxQueued and one reply), and a status larger than
// Limits::buffered must still reach a lone floatctl. Retiring is safe from anywhere in the
// server (see the header).
void ControlServer::shed() {
  for (;;) {
    std::size_t total = 0;
    std::size_t holders = 0;
    Client* most = nullptr;
    for (const auto& [fd, c] : clients_) {
      const std::size_t held = c->held();
      total += held;
      holders += held > 0 ? 1 : 0;
      if (held > 0 && (most == nullptr || held > most->held())) most = c.get();
    }
    if (total <= limits_.buffered || holders < 2) return;
    ++shed_;
    if (auto suppressed = shed_log_.allow(clock_.now())) {
      log_.warning("control: clients hold " + std::to_string(total) + " bytes, over floatd's " +
                   std::to_string(limits_.buffered) + "; closing the " +
                   (most->subscribed ? "events subscriber" : "client") + " holding most (" +
                   std::to_string(most->held()) + " bytes)" +
                   (*suppressed > 0 ? " (" + std::to_string(*suppressed) + " similar suppressed)"
                                    : ""));
    }
    retire(*most);
  }
}

// Closes the client now and frees it later (see the header): it leaves the live table, so its
// descriptor number may be reused at once, and is kept in retired_ until the outermost Entry.
void ControlServer::retire(Client& c) noexcept {
  if (c.dead) return;
  c.dead = true;
  ev_io_stop(loop_, &c.watcher);
  close(c.fd);
  auto it = clients_.find(c.fd);
  c.fd = -1;
  c.in = {};
  c.out.clear();
  c.writer.reset();
  c.writing = std::string();
  retired_.push_back(std::move(it->second));  // within the capacity adopt() reserved
  clients_.erase(it);
}

}  // namespace floatd::daemon
