// Fuzzes the control server's client lifetimes: a real ControlServer on a private libev loop,
// driven over socketpairs by a short script decoded from the input. Each step is one byte of
// opcode and its operands:
//   open a client; write raw bytes; write a request from a fixed list; subscribe to events;
//   half-close; close; run the loop; broadcast an event with raw text; read what a client got;
//   change what the handler does (answer, publish an event, throw, answer with raw bytes).
// ASan sees a client used after it is freed (issue 10, defect 2); the checks below see a
// response or event that is not valid JSON, and memory held past the server's bounds.
#include <ev.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/control_server.hpp"
#include "floatd/control_protocol.hpp"
#include "fuzz_check.hpp"

using namespace floatd;
using nlohmann::json;

namespace {

class NullLog final : public Log {
 public:
  void write(LogLevel, std::string_view) override {}
  bool debug_enabled() const override { return true; }
};

constexpr std::array<const char*, 8> kRequests = {
    R"({"version":1,"command":"events"})",
    R"({"version":1,"command":"handover","args":{"name":"web"}})",
    R"({"version":1,"command":"status"})",
    R"({"version":1,"command":"throw"})",
    R"({"version":1,"command":"bytes"})",
    R"({"version":1,"command":"big"})",
    R"({"version":2,"command":"status"})",
    R"({"version":1,"command":"status","args":[1]})",
};

enum class Mode : std::uint8_t { kAnswer, kPublish, kThrow, kRawBytes, kCount };

// The input, consumed a byte at a time; zeros once it runs out.
class Script {
 public:
  explicit Script(std::span<const std::uint8_t> data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }
  std::uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  std::string bytes(std::size_t n) {
    n = std::min(n, data_.size() - pos_);
    std::string out(reinterpret_cast<const char*>(data_.data() + pos_), n);
    pos_ += n;
    return out;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

// The client side of one connection: what it has read so far.
struct Peer {
  int fd = -1;
  std::vector<std::uint8_t> in;
};

struct Harness {
  struct ev_loop* loop;
  NullLog log;
  FakeClock clock;  // the server reads the time only to rate-limit a log line
  Mode mode = Mode::kAnswer;
  std::string raw;  // the handler's bytes in kRawBytes mode
  std::optional<daemon::ControlServer> server;
  std::array<Peer, 8> peers;

  explicit Harness(struct ev_loop* l) : loop(l) {
    server.emplace(loop, log, clock, [this](const std::string& c, const json& a) -> Result<daemon::ControlReply> {
      auto r = handle(c, a);
      if (!r) return fail(r.error());
      return daemon::ControlReply(std::move(*r));
    });
  }
  ~Harness() {
    for (auto& p : peers) {
      if (p.fd >= 0) close(p.fd);
    }
    run(4);
    server.reset();
  }

  Result<json> handle(const std::string& command, const json& args) {
    if (command == "throw" || mode == Mode::kThrow) throw std::runtime_error("handler bug");
    if (command == "handover" || mode == Mode::kPublish) {
      server->broadcast({{"type", "state"}, {"text", command + raw}});
    }
    if (command == "bytes" || mode == Mode::kRawBytes) return json{{"detail", raw}};
    if (command == "big") return json{{"blob", std::string(256 * 1024, 'b')}};
    return json{{"command", command}, {"args", args}};
  }

  void run(int times) {
    for (int i = 0; i < times; ++i) ev_run(loop, EVRUN_NOWAIT);
  }

  void send(Peer& p, std::string_view bytes) {
    if (p.fd >= 0) (void)::send(p.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  void send_request(Peer& p, const char* body) {
    const auto f = control::frame(body);
    send(p, {reinterpret_cast<const char*>(f.data()), f.size()});
  }

  // Reads what is there; every complete frame must be valid JSON with "version" 1.
  void drain(Peer& p) {
    if (p.fd < 0) return;
    std::uint8_t buf[65536];
    for (;;) {
      const ssize_t n = recv(p.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n <= 0) break;
      p.in.insert(p.in.end(), buf, buf + n);
    }
    for (;;) {
      std::size_t used = 0;
      const auto frame = control::unframe(p.in, control::kMaxResponse, used);
      FUZZ_REQUIRE(frame.ok(), "the server sent an oversized frame");
      if (!frame->has_value()) break;
      const json body = json::parse(**frame, nullptr, false);
      FUZZ_REQUIRE(!body.is_discarded(), "the server sent a frame that is not valid JSON");
      FUZZ_REQUIRE(body.is_object(), "the server sent a frame that is not an object");
      p.in.erase(p.in.begin(), p.in.begin() + static_cast<long>(used));
    }
  }

  void step(Script& s) {
    const std::uint8_t op = s.byte();
    Peer& p = peers[(op >> 4) % peers.size()];  // high nibble: which client
    switch ((op & 0x0f) % 10) {                 // low nibble: what it does
      case 0: {  // open
        if (p.fd >= 0) break;
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) break;
        p = Peer{};
        if (server->adopt(sv[0])) {
          p.fd = sv[1];
        } else {
          close(sv[1]);
        }
        break;
      }
      case 1: send(p, s.bytes(s.byte())); break;
      case 2: send_request(p, kRequests[s.byte() % kRequests.size()]); break;
      case 3: send_request(p, kRequests[0]); break;
      case 4:
        if (p.fd >= 0) shutdown(p.fd, SHUT_WR);
        break;
      case 5:
        if (p.fd >= 0) close(p.fd);
        p.fd = -1;
        break;
      case 6: run(1 + s.byte() % 4); break;
      case 7: server->broadcast({{"type", "tracker"}, {"text", s.bytes(s.byte() % 32)}}); break;
      case 8: drain(p); break;
      case 9:
        mode = static_cast<Mode>(s.byte() % static_cast<int>(Mode::kCount));
        raw = s.bytes(s.byte() % 16);
        break;
    }
    // What a client that never reads can make the server hold (see control_server.hpp).
    FUZZ_REQUIRE(server->buffered_bytes() <=
                     peers.size() * (daemon::ControlServer::kMaxBacklog +
                                     daemon::ControlServer::kMaxQueued + 2 * control::kMaxRequest),
                 "the server holds more than its bounds");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static struct ev_loop* loop = ev_loop_new(EVFLAG_AUTO);
  Harness h(loop);
  Script script({data, size});
  for (int steps = 0; steps < 64 && !script.done(); ++steps) h.step(script);
  h.run(2);
  for (auto& p : h.peers) h.drain(p);
  return 0;
}
