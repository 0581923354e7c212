// Kernel: the changes floatd makes to the kernel's network state, over rtnetlink with
// libnl-route-3 (writes only; reading is LinkMonitor's job).
//
// Every call but the batched adds is synchronous: one request, then the kernel's ACK or error.
// The batched adds (send_adds / collect_adds) are the takeover's: the adds of one transition go
// to the kernel in one sendmsg and their answers are read afterwards. Errors carry the
// operation, the object and the kernel's reason, e.g. "add 10.0.0.100/24 on eth0: File exists",
// plus the kernel's extended-ACK text when it gives one. Calls are idempotent where the daemon
// needs it: adding an address that exists, removing one that is gone, deleting a link that is
// gone and creating a VMAC that already exists as asked all succeed. Adding tells which it was,
// because floatd removes only what it added (issue 10, defect 3).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "floatd/ip_address.hpp"
#include "floatd/result.hpp"
#include "vrrp/vmac.hpp"

struct nl_sock;
struct nl_msg;
struct rtnl_link;

namespace floatd::net {

using vrrp::MacAddress;

// IFA_PROTO value marking floatd's VIPs, so leftovers can be recognised after a crash
// (`ip -d addr` of iproute2 >= 6.2 shows "proto 0x66").
inline constexpr std::uint8_t kFloatdAddrProto = 0x66;

// What an add did: made the address (it carries our mark), or found it there already (someone
// else's, or ours from before: either way it was left exactly as it was).
enum class AddOutcome : std::uint8_t { kCreated, kExisted };

// One address add of a batch (Kernel::send_adds).
struct AddRequest {
  int ifindex = 0;
  IpPrefix vip;
  std::string label;  // IPv4 only; empty: none
};

class Kernel {
 public:
  static Result<std::unique_ptr<Kernel>, std::string> open();
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // Adds a VIP marked as floatd's own (IFA_PROTO = kFloatdAddrProto), scope global; IPv6 with
  // IFA_F_NODAD; the IPv4 label if given. An address that already exists is left as it is
  // (not re-marked: NLM_F_EXCL) and is not an error: the outcome says kExisted.
  Result<AddOutcome, std::string> add_address(int ifindex, const IpPrefix& vip,
                                      const std::string& label = {});

  // The adds of one transition (issue 14). The requests are written to the kernel back to
  // back, in one sendmsg (per kBatchBytes), each with NLM_F_ACK and a sequence number of its own,
  // on a socket of their own (so that libnl's sequence tracking on the command socket is
  // untouched), and no answer is waited for. rtnetlink applies requests inside sendmsg, so on
  // return the kernel has already answered each one; collect_adds() reads those answers. A request
  // that cannot be built is answered at once (by collect_adds, in its place).
  void send_adds(std::span<const AddRequest> adds);
  // One answer per request sent since the last collect, in the order sent, as add_address()
  // would have given it. Waits at most kAnswerWaitMs for an answer that is not there yet.
  std::vector<Result<AddOutcome, std::string>> collect_adds();
  static constexpr int kAnswerWaitMs = 100;

  // Removing an address (or from an interface) that is already gone is not an error.
  Result<Ok, std::string> remove_address(int ifindex, const IpPrefix& vip);

  // Creates a macvlan VMAC on the parent: private mode, the given MAC, IPv6 addr_gen_mode none
  // (rfc-checklist L2-16, set in a second request while still down, so no EUI-64 link-local is
  // ever made from the virtual MAC), then up. Returns its ifindex. A link of that name that is
  // a private-mode macvlan with this MAC on this parent is reused (and brought up); any other
  // link of that name is an error. If a later step fails, a link created here is deleted.
  Result<int, std::string> create_vmac(int parent_ifindex, const std::string& name,
                                       const MacAddress& mac);

  // Deletes a link; a link that is already gone is not an error.
  Result<Ok, std::string> delete_link(int ifindex);

 private:
  struct SocketFree {
    void operator()(nl_sock* s) const noexcept;
  };
  struct Reply {
    int error = 0;        // errno from the kernel, 0 for an ACK
    std::string message;  // the reason to show: strerror plus any extended ACK text
  };
  // A batched add whose answer collect_adds() has not returned yet.
  struct PendingAdd {
    std::uint32_t seq = 0;  // 0: not sent (`error` says why)
    int ifindex = 0;
    IpPrefix vip;
    bool answered = false;
    Reply reply;
    std::string error;  // set when it failed before the kernel saw it
  };

  Kernel(std::unique_ptr<nl_sock, SocketFree> sock, int batch_fd);
  Reply transact(nl_msg* msg);  // takes ownership of msg
  Result<int, std::string> find_vmac(const std::string& name, int parent, const MacAddress& mac);
  Result<Ok, std::string> configure_vmac(int ifindex, const std::string& name);
  Result<Reply, std::string> change_link(int ifindex, const std::function<int(rtnl_link*)>& fill);
  Result<Ok, std::string> set_alias(int ifindex, const std::string& name);
  Result<Ok, std::string> set_addr_gen_mode_none(int ifindex, const std::string& name);
  Result<Ok, std::string> set_up(int ifindex, const std::string& name);
  static constexpr std::size_t kBatchBytes = 32 * 1024;  // per sendmsg
  void append_add(const AddRequest& a, std::vector<std::uint8_t>& batch);
  void flush_adds(std::vector<std::uint8_t>& batch, std::size_t first);
  bool read_answers();  // false: nothing more to read
  Result<AddOutcome, std::string> add_answer(const PendingAdd& add) const;

  std::unique_ptr<nl_sock, SocketFree> sock_;
  int batch_fd_ = -1;  // a plain NETLINK_ROUTE socket for send_adds()
  std::uint32_t batch_seq_ = 0;
  std::vector<PendingAdd> pending_;
};

}  // namespace floatd::net
