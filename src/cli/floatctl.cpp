#include "cli/floatctl.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/status_table.hpp"
#include "floatd/control_protocol.hpp"
#include "floatd/result.hpp"

namespace floatd::cli {
namespace {

const char* kUsage =
    "usage: floatctl [-s SOCKET] COMMAND\n"
    "  status [--json] [NAME]   instances, their state, master, VIPs and counters\n"
    "  events [--json]          follow transitions, priority changes and tracker results\n"
    "  version                  the daemon's version\n"
    "  -s, --socket SOCKET      control socket (default /run/floatd/floatd.sock)\n";

struct Request {
  std::string socket = kDefaultSocket;
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
  } else if (r.command == "version" || r.command == "events") {
    if (words.size() > 1) return fail(r.command + " takes no arguments");
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
    std::uint8_t buf[65536];
    for (;;) {
      std::size_t used = 0;
      auto frame = control::unframe(in_, control::kMaxResponse, used);
      if (!frame) return fail(frame.error());
      if (frame->has_value()) {
        in_.erase(in_.begin(), in_.begin() + static_cast<long>(used));
        auto msg = nlohmann::json::parse(**frame, nullptr, false);
        if (msg.is_discarded() || !msg.is_object()) return fail(std::string("floatd sent a malformed message"));
        return msg;
      }
      const ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) return fail(std::string("floatd closed the connection"));
      in_.insert(in_.end(), buf, buf + n);
    }
  }

 private:
  int fd_ = -1;
  std::vector<std::uint8_t> in_;
};

Result<nlohmann::json> call(Connection& conn, const Request& r) {
  const nlohmann::json req = {
      {"version", control::kProtocolVersion}, {"command", r.command}, {"args", r.args}};
  if (auto s = conn.send(req); !s) return fail(s.error());
  auto resp = conn.receive();
  if (!resp) return fail(resp.error());
  if (!resp->value("ok", false)) return fail(resp->value("error", std::string("unknown error")));
  return resp->value("result", nlohmann::json());
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

}  // namespace

int floatctl_main(const std::vector<std::string>& args) {
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
  auto result = call(conn, *req);
  if (!result) {
    std::cerr << "floatctl: " << result.error() << "\n";
    return 1;
  }
  if (req->command == "events") return follow_events(conn, req->json);
  if (req->json) {
    std::cout << result->dump() << "\n";
  } else if (req->command == "status") {
    if (req->args.contains("name") && result->value("instances", nlohmann::json::array()).empty()) {
      std::cerr << "floatctl: no instance named '" << req->args["name"].get<std::string>() << "'\n";
      return 1;
    }
    std::cout << status_table(*result);
  } else {
    std::cout << result->value("version", std::string("?")) << "\n";
  }
  return 0;
}

}  // namespace floatd::cli
