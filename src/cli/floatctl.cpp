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
  } else if (r.command == "version") {
    if (words.size() > 1) return fail("version takes no arguments");
  } else {
    return fail("unknown command '" + r.command + "'");
  }
  return r;
}

Result<nlohmann::json> call(const Request& r) {
  sockaddr_un addr{};
  if (r.socket.size() >= sizeof addr.sun_path) return fail("socket path too long");
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, r.socket.c_str(), r.socket.size() + 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    const std::string err = std::strerror(errno);
    if (fd >= 0) close(fd);
    return fail("cannot reach floatd at " + r.socket + ": " + err +
                " (is floatd running? is this the right socket? are you root?)");
  }
  const nlohmann::json req = {
      {"version", control::kProtocolVersion}, {"command", r.command}, {"args", r.args}};
  const auto out = control::frame(req.dump());
  for (std::size_t sent = 0; sent < out.size();) {
    const ssize_t n = write(fd, out.data() + sent, out.size() - sent);
    if (n <= 0) {
      close(fd);
      return fail("writing to " + r.socket + ": " + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  std::vector<std::uint8_t> in;
  std::uint8_t buf[65536];
  for (;;) {
    std::size_t used = 0;
    auto frame = control::unframe(in, control::kMaxResponse, used);
    if (!frame) {
      close(fd);
      return fail(frame.error());
    }
    if (frame->has_value()) {
      close(fd);
      auto resp = nlohmann::json::parse(**frame, nullptr, false);
      if (resp.is_discarded() || !resp.is_object()) return fail("floatd sent a malformed response");
      if (!resp.value("ok", false)) return fail(resp.value("error", std::string("unknown error")));
      return resp.value("result", nlohmann::json());
    }
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) {
      close(fd);
      return fail("floatd closed the connection before answering");
    }
    in.insert(in.end(), buf, buf + n);
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
  auto result = call(*req);
  if (!result) {
    std::cerr << "floatctl: " << result.error() << "\n";
    return 1;
  }
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
