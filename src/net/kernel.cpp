#include "net/kernel.hpp"

// clang-format off
#include <net/if.h>  // must precede <linux/if.h>, which then defers to it
// clang-format on

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/macvlan.h>
#include <netlink/socket.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "net/interface_name.hpp"
#include "net/netlink_events.hpp"

namespace floatd::net {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    Free(p);
  }
};
using AddrPtr = std::unique_ptr<rtnl_addr, Deleter<rtnl_addr_put>>;
using LinkPtr = std::unique_ptr<rtnl_link, Deleter<rtnl_link_put>>;
using NlAddrPtr = std::unique_ptr<nl_addr, Deleter<nl_addr_put>>;
using MsgPtr = std::unique_ptr<nl_msg, Deleter<nlmsg_free>>;
using CbPtr = std::unique_ptr<nl_cb, Deleter<nl_cb_put>>;

std::string mac_text(const MacAddress& mac) {
  char text[18];
  std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return text;
}

std::string libnl_error(int rc) { return nl_geterror(rc); }

// NLMSGERR_ATTR_MSG from an error that carries extended-ACK TLVs (NETLINK_EXT_ACK), or "".
std::string ext_ack_text(const nlmsgerr* err) {
  const auto* hdr =
      reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(err) - NLMSG_HDRLEN);
  if ((hdr->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return {};
  std::size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
  if ((hdr->nlmsg_flags & NLM_F_CAPPED) == 0) offset += err->msg.nlmsg_len - NLMSG_HDRLEN;
  offset = NLMSG_ALIGN(offset);
  if (offset >= hdr->nlmsg_len) return {};
  auto* tlvs =
      reinterpret_cast<nlattr*>(const_cast<char*>(reinterpret_cast<const char*>(hdr)) + offset);
  nlattr* text = nla_find(tlvs, static_cast<int>(hdr->nlmsg_len - offset), NLMSGERR_ATTR_MSG);
  if (text == nullptr) return {};
  const auto* chars = static_cast<const char*>(nla_data(text));
  return std::string(chars, strnlen(chars, static_cast<std::size_t>(nla_len(text))));
}

struct AckState {
  bool done = false;
  int error = 0;
  std::string ext_ack;
};

int on_ack(nl_msg* /*msg*/, void* arg) noexcept {
  static_cast<AckState*>(arg)->done = true;
  return NL_STOP;
}

int on_error(sockaddr_nl* /*from*/, nlmsgerr* err, void* arg) noexcept {
  auto* state = static_cast<AckState*>(arg);
  state->done = true;
  state->error = err->error < 0 ? -err->error : err->error;
  try {
    state->ext_ack = ext_ack_text(err);
  } catch (...) {  // no exception may cross libnl; the errno alone still explains
  }
  return NL_STOP;
}

// An rtnl_addr for ifindex + prefix; nullptr if libnl cannot allocate.
AddrPtr make_addr(int ifindex, const IpPrefix& prefix) {
  AddrPtr addr(rtnl_addr_alloc());
  int family = prefix.address.is_v4() ? AF_INET : AF_INET6;
  auto bytes = prefix.address.bytes();
  NlAddrPtr local(nl_addr_build(family, bytes.data(), bytes.size()));
  if (!addr || !local) return nullptr;
  nl_addr_set_prefixlen(local.get(), prefix.prefix_len);
  rtnl_addr_set_ifindex(addr.get(), ifindex);
  if (rtnl_addr_set_local(addr.get(), local.get()) < 0) return nullptr;
  rtnl_addr_set_prefixlen(addr.get(), prefix.prefix_len);
  return addr;
}

// RTM_NEWADDR for a VIP marked as floatd's (Kernel::add_address), or why it cannot be built.
Result<MsgPtr, std::string> add_request(int ifindex, const IpPrefix& vip,
                                        const std::string& label) {
  AddrPtr addr = make_addr(ifindex, vip);
  if (!addr) return fail(std::string("cannot build the request"));
  rtnl_addr_set_scope(addr.get(), RT_SCOPE_UNIVERSE);
  if (vip.address.is_v6()) rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
  if (!label.empty()) {
    if (vip.address.is_v6()) return fail(std::string("labels are IPv4 only"));
    if (rtnl_addr_set_label(addr.get(), label.c_str()) < 0) {
      return fail("label \"" + label + "\" is longer than 15 characters");
    }
  }
  nl_msg* raw = nullptr;
  int rc = rtnl_addr_build_add_request(addr.get(), NLM_F_CREATE | NLM_F_EXCL, &raw);
  if (rc < 0) return fail(libnl_error(rc));
  MsgPtr msg(raw);
  // libnl 3.7 has no IFA_PROTO setter: the attribute goes on the built request.
  if (nla_put_u8(msg.get(), IFA_PROTO, kFloatdAddrProto) < 0) {
    return fail(std::string("cannot build the request"));
  }
  return Result<MsgPtr, std::string>(std::move(msg));
}

Result<Ok, std::string> failed(const std::string& what, const std::string& why) {
  return fail(what + ": " + why);
}

bool valid_link_name(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
  for (char c : name) {
    if (c == '/' || c == ':' || c == '\0' || std::isspace(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Kernel::SocketFree::operator()(nl_sock* s) const noexcept { nl_socket_free(s); }

Kernel::Kernel(std::unique_ptr<nl_sock, SocketFree> sock, int batch_fd)
    : sock_(std::move(sock)), batch_fd_(batch_fd) {}

Kernel::~Kernel() { ::close(batch_fd_); }

Result<std::unique_ptr<Kernel>, std::string> Kernel::open() {
  std::unique_ptr<nl_sock, SocketFree> sock(nl_socket_alloc());
  if (!sock) return fail(std::string("netlink command socket: out of memory"));
  int rc = nl_connect(sock.get(), NETLINK_ROUTE);
  if (rc < 0) return fail("netlink command socket: " + libnl_error(rc));
  nl_socket_enable_msg_peek(sock.get());  // replies of any size (the link query)
  const int batch = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (batch < 0) return fail(std::string("netlink batch socket: ") + std::strerror(errno));
  for (int fd : {nl_socket_get_fd(sock.get()), batch}) {
    int one = 1;
    // Best effort: the kernel's reason text in errors, and errors without our request echoed.
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  }
  // Room for the answers of a large transition (each is queued before send_adds returns).
  int room = 1 << 20;
  if (setsockopt(batch, SOL_SOCKET, SO_RCVBUFFORCE, &room, sizeof(room)) < 0) {
    (void)setsockopt(batch, SOL_SOCKET, SO_RCVBUF, &room, sizeof(room));
  }
  return std::unique_ptr<Kernel>(new Kernel(std::move(sock), batch));
}

Kernel::Reply Kernel::transact(nl_msg* raw) {
  MsgPtr msg(raw);
  int rc = nl_send_auto(sock_.get(), msg.get());
  if (rc < 0) return {EIO, "send: " + libnl_error(rc)};
  CbPtr base(nl_socket_get_cb(sock_.get()));  // a new reference to the socket's callbacks
  CbPtr cb(nl_cb_clone(base.get()));
  if (!cb) return {ENOMEM, std::strerror(ENOMEM)};
  AckState state;
  nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_ack, &state);
  nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &state);
  while (!state.done) {
    rc = nl_recvmsgs(sock_.get(), cb.get());
    if (rc < 0 && !state.done) return {EIO, "receive: " + libnl_error(rc)};
  }
  if (state.error == 0) return {};
  std::string text = std::strerror(state.error);
  if (!state.ext_ack.empty()) text += " (" + state.ext_ack + ")";
  return {state.error, text};
}

Result<AddOutcome, std::string> Kernel::add_address(int ifindex, const IpPrefix& vip,
                                                    const std::string& label) {
  auto what = [&] { return "add " + vip.to_string() + " on " + interface_text(ifindex); };
  auto msg = add_request(ifindex, vip, label);
  if (!msg) return fail(what() + ": " + msg.error());
  Reply reply = transact(msg->release());
  if (reply.error == 0) return AddOutcome::kCreated;
  if (reply.error == EEXIST) return AddOutcome::kExisted;  // NLM_F_EXCL: left untouched
  return fail(what() + ": " + reply.message);
}

void Kernel::send_adds(std::span<const AddRequest> adds) {
  std::vector<std::uint8_t> batch;
  std::size_t first = pending_.size();  // the first request in `batch`
  for (const auto& a : adds) {
    append_add(a, batch);
    if (batch.size() >= kBatchBytes) {  // well within the socket's send buffer
      flush_adds(batch, first);
      first = pending_.size();
    }
  }
  flush_adds(batch, first);
}

// The request for `a`, with a sequence number of its own, at the end of `batch`.
void Kernel::append_add(const AddRequest& a, std::vector<std::uint8_t>& batch) {
  PendingAdd& p = pending_.emplace_back();
  p.ifindex = a.ifindex;
  p.vip = a.vip;
  auto msg = add_request(a.ifindex, a.vip, a.label);
  if (!msg) {
    p.error = msg.error();
    return;
  }
  nlmsghdr* hdr = nlmsg_hdr(msg->get());
  hdr->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
  if (++batch_seq_ == 0) ++batch_seq_;  // 0 means unsent
  hdr->nlmsg_seq = p.seq = batch_seq_;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(hdr);
  batch.insert(batch.end(), bytes, bytes + hdr->nlmsg_len);
  batch.resize(NLMSG_ALIGN(batch.size()));
}

// One sendmsg for the requests in `batch` (pending_ from `first` on); the kernel applies and
// answers each before it returns. A send that fails fails them all.
void Kernel::flush_adds(std::vector<std::uint8_t>& batch, std::size_t first) {
  if (batch.empty()) return;
  const bool sent = ::send(batch_fd_, batch.data(), batch.size(), 0) >= 0;
  batch.clear();
  if (sent) return;
  const std::string why = std::string("send: ") + std::strerror(errno);
  for (std::size_t i = first; i < pending_.size(); ++i) {
    if (pending_[i].seq == 0) continue;
    pending_[i].seq = 0;
    pending_[i].error = why;
  }
}

std::vector<Result<AddOutcome, std::string>> Kernel::collect_adds() {
  auto waiting = [&] {
    return std::any_of(pending_.begin(), pending_.end(),
                       [](const PendingAdd& p) { return p.seq != 0 && !p.answered; });
  };
  while (waiting() && read_answers()) {
  }
  std::vector<Result<AddOutcome, std::string>> out;
  out.reserve(pending_.size());
  for (const auto& p : pending_) out.push_back(add_answer(p));
  pending_.clear();
  return out;
}

// Reads one datagram of answers into pending_; false when none came within kAnswerWaitMs
// or the socket failed (the adds still unanswered then say so).
bool Kernel::read_answers() {
  pollfd pfd{batch_fd_, POLLIN, 0};
  alignas(nlmsghdr) std::uint8_t buf[8192];
  ssize_t n = -1;
  int error = ETIMEDOUT;
  const int ready = poll(&pfd, 1, kAnswerWaitMs);
  if (ready < 0 && errno == EINTR) return true;
  if (ready > 0) {
    n = ::recv(batch_fd_, buf, sizeof(buf), MSG_DONTWAIT);
    error = n < 0 ? errno : 0;
  }
  if (n < 0 && error == EINTR) return true;
  if (n < 0 && error != EAGAIN) {  // ENOBUFS: answers were lost; ETIMEDOUT: none came
    const std::string why = std::string("no answer from the kernel: ") + std::strerror(error);
    for (auto& p : pending_) {
      if (p.seq == 0 || p.answered) continue;
      p.seq = 0;
      p.error = why;
    }
    return false;
  }
  int len = static_cast<int>(std::max<ssize_t>(n, 0));
  for (auto* hdr = reinterpret_cast<nlmsghdr*>(buf); nlmsg_ok(hdr, len);
       hdr = nlmsg_next(hdr, &len)) {
    if (hdr->nlmsg_type != NLMSG_ERROR) continue;
    const auto* err = static_cast<const nlmsgerr*>(nlmsg_data(hdr));
    for (auto& p : pending_) {
      if (p.seq != hdr->nlmsg_seq || p.answered) continue;
      p.answered = true;
      p.reply.error = err->error < 0 ? -err->error : err->error;
      if (p.reply.error != 0) p.reply.message = std::strerror(p.reply.error);
      try {
        const std::string ext = ext_ack_text(err);
        if (!ext.empty()) p.reply.message += " (" + ext + ")";
      } catch (...) {  // the errno alone still explains
      }
    }
  }
  return true;
}

// As add_address() would have answered.
Result<AddOutcome, std::string> Kernel::add_answer(const PendingAdd& p) const {
  const std::string what = "add " + p.vip.to_string() + " on " + interface_text(p.ifindex);
  if (!p.answered) return fail(what + ": " + (p.error.empty() ? "not sent" : p.error));
  if (p.reply.error == 0) return AddOutcome::kCreated;
  if (p.reply.error == EEXIST) return AddOutcome::kExisted;  // NLM_F_EXCL: left untouched
  return fail(what + ": " + p.reply.message);
}

Result<Ok, std::string> Kernel::remove_address(int ifindex, const IpPrefix& vip) {
  auto what = [&] { return "remove " + vip.to_string() + " from " + interface_text(ifindex); };
  AddrPtr addr = make_addr(ifindex, vip);
  if (!addr) return failed(what(), "cannot build the request");
  nl_msg* msg = nullptr;
  int rc = rtnl_addr_build_delete_request(addr.get(), 0, &msg);
  if (rc < 0) return failed(what(), libnl_error(rc));
  Reply reply = transact(msg);
  if (reply.error == 0 || reply.error == EADDRNOTAVAIL || reply.error == ENODEV) return Ok{};
  return failed(what(), reply.message);
}

// The ifindex of an existing link `name` fit for reuse as this VMAC, 0 if there is no such
// link, or an error if the name is taken by something else.
Result<int, std::string> Kernel::find_vmac(const std::string& name, int parent,
                                           const MacAddress& mac) {
  rtnl_link* raw = nullptr;
  int rc = rtnl_link_get_kernel(sock_.get(), 0, name.c_str(), &raw);
  if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) return 0;
  if (rc < 0) return fail("look up link " + name + ": " + libnl_error(rc));
  LinkPtr link(raw);
  const char* type = rtnl_link_get_type(link.get());
  nl_addr* addr = rtnl_link_get_addr(link.get());
  bool same_mac = addr != nullptr && nl_addr_get_len(addr) == mac.size() &&
                  std::memcmp(nl_addr_get_binary_addr(addr), mac.data(), mac.size()) == 0;
  bool is_macvlan = type != nullptr && std::strcmp(type, "macvlan") == 0;
  if (is_macvlan && same_mac && rtnl_link_get_link(link.get()) == parent &&
      rtnl_link_macvlan_get_mode(link.get()) == MACVLAN_MODE_PRIVATE) {
    return rtnl_link_get_ifindex(link.get());
  }
  return fail("create VMAC " + name + ": a link of that name exists and is not a private " +
              "macvlan with MAC " + mac_text(mac) + " on " + interface_text(parent));
}

Result<int, std::string> Kernel::create_vmac(int parent_ifindex, const std::string& name,
                                             const MacAddress& mac) {
  auto what = [&] { return "create VMAC " + name + " on " + interface_text(parent_ifindex); };
  if (!valid_link_name(name)) return fail(what() + ": not a valid interface name");
  auto existing = find_vmac(name, parent_ifindex, mac);
  if (!existing) return existing;
  if (*existing > 0) {
    auto configured = configure_vmac(*existing, name);
    if (!configured) return fail(configured.error());
    return *existing;
  }
  LinkPtr link(rtnl_link_macvlan_alloc());
  NlAddrPtr lladdr(nl_addr_build(AF_LLC, mac.data(), mac.size()));
  if (!link || !lladdr) return fail(what() + ": cannot build the request");
  rtnl_link_set_name(link.get(), name.c_str());
  rtnl_link_set_link(link.get(), parent_ifindex);
  rtnl_link_set_addr(link.get(), lladdr.get());
  rtnl_link_macvlan_set_mode(link.get(), MACVLAN_MODE_PRIVATE);
  nl_msg* msg = nullptr;
  int rc = rtnl_link_build_add_request(link.get(), NLM_F_CREATE | NLM_F_EXCL, &msg);
  if (rc < 0) return fail(what() + ": " + libnl_error(rc));
  Reply reply = transact(msg);
  if (reply.error != 0) return fail(what() + ": " + reply.message);
  auto created = find_vmac(name, parent_ifindex, mac);
  if (!created || *created == 0) return fail(what() + ": created, then not found");
  // Marked floatd's only when floatd made it: one taken up above keeps what it had.
  auto configured = set_alias(*created, name);
  if (configured) configured = configure_vmac(*created, name);
  if (!configured) {
    (void)delete_link(*created);
    return fail(configured.error());
  }
  return *created;
}

Result<Ok, std::string> Kernel::configure_vmac(int ifindex, const std::string& name) {
  auto mode = set_addr_gen_mode_none(ifindex, name);
  if (!mode) return mode;
  return set_up(ifindex, name);
}

// A change request for link `ifindex` (RTM_NEWLINK without NLM_F_CREATE): `fill` sets what
// changes on a blank link and returns libnl's status. The kernel's answer, or why the request
// could not be built.
Result<Kernel::Reply, std::string> Kernel::change_link(int ifindex,
                                                       const std::function<int(rtnl_link*)>& fill) {
  LinkPtr orig(rtnl_link_alloc());
  LinkPtr changes(rtnl_link_alloc());
  if (!orig || !changes) return fail(std::string("cannot build the request"));
  rtnl_link_set_ifindex(orig.get(), ifindex);
  int rc = fill(changes.get());
  nl_msg* msg = nullptr;
  if (rc >= 0) rc = rtnl_link_build_change_request(orig.get(), changes.get(), 0, &msg);
  if (rc < 0) return fail(libnl_error(rc));
  return transact(msg);
}

// The alias that marks a VMAC floatd's (net::kVmacAlias). A request of its own: the kernel
// takes IFLA_IFALIAS only when changing a link, not in the request that creates it.
Result<Ok, std::string> Kernel::set_alias(int ifindex, const std::string& name) {
  const std::string what = "set the alias of " + name;
  auto reply = change_link(ifindex, [](rtnl_link* l) {
    rtnl_link_set_ifalias(l, kVmacAlias);
    return 0;
  });
  if (!reply) return failed(what, reply.error());
  if (reply->error == 0) return Ok{};
  return failed(what, reply->message);
}

// A request of its own, sent while the new link is still down: setting addrgenmode in the
// creating request failed in the lab (lab-notes: `ip link add ... addrgenmode`).
Result<Ok, std::string> Kernel::set_addr_gen_mode_none(int ifindex, const std::string& name) {
  const std::string what = "set addrgenmode none on " + name;
  auto reply = change_link(ifindex, [](rtnl_link* l) {
    return rtnl_link_inet6_set_addr_gen_mode(l, IN6_ADDR_GEN_MODE_NONE);
  });
  if (!reply) return failed(what, reply.error());
  // EAFNOSUPPORT: IPv6 is disabled on the link, so no address can be generated anyway.
  if (reply->error == 0 || reply->error == EAFNOSUPPORT) return Ok{};
  return failed(what, reply->message);
}

Result<Ok, std::string> Kernel::set_up(int ifindex, const std::string& name) {
  std::string what = "set " + name + " up";
  // The change request carries the link's full flag word: start from the kernel's.
  rtnl_link* raw = nullptr;
  int rc = rtnl_link_get_kernel(sock_.get(), ifindex, nullptr, &raw);
  if (rc < 0) return failed(what, libnl_error(rc));
  LinkPtr orig(raw);
  LinkPtr changes(rtnl_link_alloc());
  if (!changes) return failed(what, "cannot build the request");
  rtnl_link_set_flags(changes.get(), IFF_UP);
  nl_msg* msg = nullptr;
  rc = rtnl_link_build_change_request(orig.get(), changes.get(), 0, &msg);
  if (rc < 0) return failed(what, libnl_error(rc));
  Reply reply = transact(msg);
  if (reply.error == 0) return Ok{};
  return failed(what, reply.message);
}

Result<Ok, std::string> Kernel::delete_link(int ifindex) {
  auto what = [&] { return "delete link " + interface_text(ifindex); };
  LinkPtr link(rtnl_link_alloc());
  if (!link) return failed(what(), "cannot build the request");
  rtnl_link_set_ifindex(link.get(), ifindex);
  nl_msg* msg = nullptr;
  int rc = rtnl_link_build_delete_request(link.get(), &msg);
  if (rc < 0) return failed(what(), libnl_error(rc));
  Reply reply = transact(msg);
  if (reply.error == 0 || reply.error == ENODEV) return Ok{};
  return failed(what(), reply.message);
}

}  // namespace floatd::net
