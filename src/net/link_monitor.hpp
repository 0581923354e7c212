// LinkMonitor: watching links and addresses over rtnetlink with libmnl (read-only).
//
// Two sockets: a non-blocking one subscribed to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and
// RTNLGRP_IPV6_IFADDR whose fd the event loop watches, and a blocking one for dumps (so dump
// replies never interleave with notifications). Use: open(), then dump() for the initial state,
// then read() whenever fd() is readable. Because the subscription exists before the dump,
// applying the dump and then every later event in order ends in the kernel's state.
//
// When the kernel drops notifications because the socket queue was full (ENOBUFS, the
// "overrun" keepalived's keepalived_netlink.c also handles), read() sets Batch::overrun and the
// caller must call dump() again: some change may be lost. Before it, the caller reads and drops
// what is still queued: it is older than the dump, and the kernel drops every new notice
// until the queue has been read empty. A truncated message (MSG_TRUNC) is treated the same way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "floatd/result.hpp"
#include "net/netlink_events.hpp"

struct mnl_socket;

namespace floatd::net {

class LinkMonitor {
 public:
  static Result<std::unique_ptr<LinkMonitor>, std::string> open();
  ~LinkMonitor();
  LinkMonitor(const LinkMonitor&) = delete;
  LinkMonitor& operator=(const LinkMonitor&) = delete;

  // The subscribed, non-blocking socket for the event loop.
  int fd() const;

  // Synchronous full dump of links then addresses (used at start and after ENOBUFS).
  Result<std::vector<NetlinkEvent>, std::string> dump();

  // Reads what is queued on the non-blocking fd (at most a bounded number of datagrams, so one
  // busy call cannot starve the loop: the fd stays readable if more is left).
  // Sets overrun = true on ENOBUFS (caller then calls dump()).
  struct Batch {
    std::vector<NetlinkEvent> events;
    bool overrun = false;
  };
  Result<Batch, std::string> read();

  // Link/address messages skipped as malformed since open(), for the counters.
  long malformed() const { return malformed_; }

 private:
  struct SocketCloser {
    void operator()(mnl_socket* s) const noexcept;
  };
  using Socket = std::unique_ptr<mnl_socket, SocketCloser>;

  LinkMonitor(Socket events, Socket dumps);
  Result<bool, std::string> dump_one(int rtm_type, std::vector<NetlinkEvent>& out);

  Socket events_;  // subscribed, non-blocking
  Socket dumps_;   // request/response, blocking with a receive timeout
  unsigned int seq_ = 0;
  long malformed_ = 0;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace floatd::net
