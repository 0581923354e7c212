#include "cli/floatctl.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <chrono>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/huge_pages.hpp"
#include "cli/import_main.hpp"
#include "cli/json_tape.hpp"
#include "cli/status_table.hpp"
#include "floatd/control_protocol.hpp"
#include "floatd/result.hpp"

namespace floatd::cli {
namespace {

const char* kUsage =
    "usage: floatctl [-s SOCKET] COMMAND\n"
    "  status [--json] [NAME]   instances, their state, master, VIPs and counters\n"
    "  events [--json]          follow transitions, priorities, trackers and kernel repairs\n"
    "  handover NAME [--to ADDR]  planned switchover with no lost packet: the Master resigns\n"
    "                           but answers until the new master has announced itself;\n"
    "                           with --to, fail unless ADDR is the one that took over\n"
    "  maintenance NAME on|off  hold NAME as Backup (a Master hands over first)\n"
    "  reload                   re-read the config: applied, or every error (nothing changes)\n"
    "  metrics                  Prometheus text exposition\n"
    "  import-keepalived [--id ID] FILE  print a keepalived.conf as floatd's INI (no daemon needed)\n"
    "  version                  the daemon's version\n"
    "  -s, --socket SOCKET      control socket (default /run/floatd/floatd.sock)\n";

struct Request {
  std::string socket = kDefaultSocket;
  std::string to;  // handover --to ADDR
  std::string command;
  nlohmann::json args = nlohmann::json::object();
  bool json = false;
};

Result<Request> parse(const std::vector<std::string>& argv) {
  Request r;
  std::vector<std::string> words;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (argv[i] == "-s" || argv[i] == "--socket") {
      if (i + 1 >= argv.size()) return fail(argv[i] + " needs a path");
      r.socket = argv[++i];
    } else if (argv[i] == "--to") {
      if (i + 1 >= argv.size()) return fail(std::string("--to needs an address"));
      r.to = argv[++i];
    } else if (argv[i] == "--json") {
      r.json = true;
    } else if (argv[i] == "-h" || argv[i] == "--help") {
      return fail("");
    } else {
      words.push_back(argv[i]);
    }
  }
  if (words.empty()) return fail("");
  r.command = words[0];
  if (r.command == "status") {
    if (words.size() > 2) return fail("status takes at most one instance name");
    if (words.size() == 2) r.args["name"] = words[1];
  } else if (r.command == "version" || r.command == "events" || r.command == "reload" ||
             r.command == "metrics") {
    if (words.size() > 1) return fail(r.command + " takes no arguments");
  } else if (r.command == "handover") {
    if (words.size() != 2) return fail(std::string("handover takes one instance name"));
    r.args["name"] = words[1];
  } else if (r.command == "maintenance") {
    if (words.size() != 3 || (words[2] != "on" && words[2] != "off")) {
      return fail(std::string("usage: maintenance NAME on|off"));
    }
    r.args["name"] = words[1];
    r.args["on"] = words[2] == "on";
  } else {
    return fail("unknown command '" + r.command + "'");
  }
  return r;
}

class Connection {
 public:
  ~Connection() {
    if (fd_ >= 0) close(fd_);
  }

  Result<Ok> open(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof addr.sun_path) return fail(std::string("socket path too long"));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
      return fail("cannot reach floatd at " + path + ": " + std::strerror(errno) +
                  " (is floatd running? is this the right socket? are you root?)");
    }
    return Ok{};
  }

  Result<Ok> send(const nlohmann::json& request) {
    const auto out = control::frame(request.dump());
    for (std::size_t sent = 0; sent < out.size();) {
      const ssize_t n = write(fd_, out.data() + sent, out.size() - sent);
      if (n <= 0) return fail(std::string("writing to floatd: ") + std::strerror(errno));
      sent += static_cast<std::size_t>(n);
    }
    return Ok{};
  }

  // The next response or event, as a checked JSON object.
  Result<nlohmann::json> receive() {
    auto body = receive_text();
    if (!body) return fail(body.error());
    auto msg = nlohmann::json::parse(*body, nullptr, false);
    if (msg.is_discarded() || !msg.is_object()) return fail(std::string("floatd sent a malformed message"));
    return msg;
  }

  // The next message's JSON text, unchecked: read straight into its string once the length is
  // known, so that a status of megabytes is not copied on the way.
  Result<std::string> receive_text() {
    std::uint8_t header[control::kHeaderSize];
    if (auto r = read_exactly(header, sizeof header); !r) return fail(r.error());
    const std::size_t n = (std::size_t{header[0]} << 24) | (std::size_t{header[1]} << 16) |
                          (std::size_t{header[2]} << 8) | std::size_t{header[3]};
    if (n > control::kMaxResponse) {
      return fail("message of " + std::to_string(n) + " bytes exceeds the limit of " +
                  std::to_string(control::kMaxResponse));
    }
    std::string body;
    body.reserve(n);
    advise_huge_pages(body.data(), n);  // before resize() first writes it
    body.resize(n);
    if (auto r = read_exactly(reinterpret_cast<std::uint8_t*>(body.data()), n); !r) {
      return fail(r.error());
    }
    return body;
  }

 private:
  Result<Ok> read_exactly(std::uint8_t* to, std::size_t n) {
    for (std::size_t got = 0; got < n;) {
      const ssize_t r = read(fd_, to + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return fail(std::string("floatd closed the connection"));
      got += static_cast<std::size_t>(r);
    }
    return Ok{};
  }

  int fd_ = -1;
};

// A response read in place (json_tape.hpp): its "result" member's text, or its error.
struct Response {
  std::string body;  // the message's text; `tape` and `result` point into it
  JsonTape tape;
  std::optional<JsonTape::Index> result;  // absent: a null result
};

// `depth`: how deep the reply is read into tokens (json_tape.hpp); deeper is only checked.
Result<std::unique_ptr<Response>> call_text(Connection& conn, const Request& r,
                                            int depth = JsonTape::kMaxDepth) {
  const nlohmann::json req = {
      {"version", control::kProtocolVersion}, {"command", r.command}, {"args", r.args}};
  if (auto s = conn.send(req); !s) return fail(s.error());
  auto body = conn.receive_text();
  if (!body) return fail(body.error());
  auto resp = std::make_unique<Response>();
  resp->body = std::move(*body);
  auto tape = JsonTape::read(resp->body, depth);
  if (!tape || !tape->is(tape->root(), JsonTape::Type::kObject)) {
    return fail(std::string("floatd sent a malformed message"));
  }
  resp->tape = std::move(*tape);
  const auto ok = resp->tape.find(resp->tape.root(), "ok");
  const auto result = resp->tape.find(resp->tape.root(), "result");
  if (!ok || !resp->tape.is(*ok, JsonTape::Type::kTrue)) {
    const auto error = resp->tape.find(resp->tape.root(), "error");
    if (!error || !resp->tape.is(*error, JsonTape::Type::kString)) return fail(std::string("unknown error"));
    return fail(resp->tape.string(*error));
  }
  resp->result = result;
  return resp;
}

Result<nlohmann::json> call(Connection& conn, const Request& r) {
  auto resp = call_text(conn, r);
  if (!resp) return fail(resp.error());
  if (!(*resp)->result) return nlohmann::json();
  return nlohmann::json::parse((*resp)->tape.text(*(*resp)->result));
}

// `floatctl status`: the daemon's text printed as it came with --json (the bytes nlohmann's
// dump() gave before), else the table; neither builds a tree.
int show_status(Connection& conn, const Request& r) {
  // --json needs "result" and the first instance's presence only (the response is depth 0)
  auto resp = call_text(conn, r, r.json ? 3 : JsonTape::kMaxDepth);
  if (!resp) {
    std::cerr << "floatctl: " << resp.error() << "\n";
    return 1;
  }
  const JsonTape& tape = (*resp)->tape;
  if (!(*resp)->result) {
    std::cerr << "floatctl: floatd sent no status\n";
    return 1;
  }
  const JsonTape::Index status = *(*resp)->result;
  if (r.json) {
    const std::string_view text = tape.text(status);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  const auto list = tape.find(status, "instances");
  if (r.args.contains("name") && (!list || !tape.first_child(*list))) {
    std::cerr << "floatctl: no instance named '" << r.args["name"].get<std::string>() << "'\n";
    return 1;
  }
  const std::string table = status_table(tape, status);
  std::fwrite(table.data(), 1, table.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// One line per event: "09:51:02.123 web: BACKUP -> MASTER (master down timer)".
std::string event_line(const nlohmann::json& e) {
  const std::string time = e.value("time", std::string());
  const std::string text = e.value("text", std::string());
  return time.empty() ? text : time + " " + text;
}

int follow_events(Connection& conn, bool json) {
  for (;;) {
    auto event = conn.receive();
    if (!event) {
      std::cerr << "floatctl: " << event.error() << "\n";
      return 1;
    }
    if (json) {
      std::cout << event->dump() << std::endl;
    } else {
      std::cout << event_line(*event) << std::endl;
    }
  }
}

// After `handover`: wait until another router is master, then say who and how long it took.
int await_handover(const Request& r) {
  const auto start = std::chrono::steady_clock::now();
  const std::string name = r.args["name"].get<std::string>();
  for (;;) {
    Connection conn;
    if (auto c = conn.open(r.socket); !c) {
      std::cerr << "floatctl: " << c.error() << "\n";
      return 1;
    }
    Request status = r;
    status.command = "status";
    status.args = {{"name", name}};
    auto s = call(conn, status);
    if (!s) {
      std::cerr << "floatctl: " << s.error() << "\n";
      return 1;
    }
    const auto list = s->value("instances", nlohmann::json::array());
    if (list.empty()) return 1;
    const auto& i = list[0];
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    const auto master = i.value("master", nlohmann::json());
    if (i.value("state", "") == "BACKUP" && master.is_string() && !i.value("releasing", true)) {
      std::cout << name << ": handed over to " << master.get<std::string>() << " ("
                << elapsed.count() << " ms)\n";
      if (!r.to.empty() && master.get<std::string>() != r.to) {
        std::cerr << "floatctl: " << r.to << " did not take over: VRRP elects the highest-priority"
                  << " backup, here " << master.get<std::string>() << "\n";
        return 1;
      }
      return 0;
    }
    if (i.value("state", "") == "MASTER" || elapsed > std::chrono::seconds{30}) {
      std::cerr << "floatctl: " << name << ": no other router took over; it is "
                << i.value("state", "?") << " again\n";
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});  // a client-side poll
  }
}

}  // namespace

int floatctl_main(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "import-keepalived") {
    return import_keepalived_main({args.begin() + 1, args.end()});
  }
  auto req = parse(args);
  if (!req) {
    if (!req.error().empty()) std::cerr << "floatctl: " << req.error() << "\n";
    std::cerr << kUsage;
    return 2;
  }
  Connection conn;
  if (auto c = conn.open(req->socket); !c) {
    std::cerr << "floatctl: " << c.error() << "\n";
    return 1;
  }
  if (req->command == "status") return show_status(conn, *req);
  auto result = call(conn, *req);
  if (!result) {
    std::cerr << "floatctl: " << result.error() << "\n";
    return 1;
  }
  if (req->command == "events") return follow_events(conn, req->json);
  if (req->command == "handover") return await_handover(*req);
  if (req->command == "metrics" && !req->json) {
    std::cout << result->value("text", std::string());
    return 0;
  }
  if (req->command == "reload" && !req->json) {
    std::cout << "reloaded: " << result->value("unchanged", 0) << " unchanged, "
              << result->value("updated", 0) << " updated in place, " << result->value("started", 0)
              << " started, " << result->value("stopped", 0) << " stopped\n";
    return 0;
  }
  if (req->command == "maintenance" && !req->json) {
    std::cout << result->value("name", std::string()) << ": maintenance "
              << (result->value("maintenance", false) ? "on" : "off") << ", "
              << result->value("state", std::string()) << "\n";
    return 0;
  }
  if (req->json) {
    std::cout << result->dump() << "\n";
  } else {
    std::cout << result->value("version", std::string("?")) << "\n";
  }
  return 0;
}

}  // namespace floatd::cli
