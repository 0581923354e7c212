// Walking netlink datagrams safely: the one bounds check every reader of kernel messages uses.
#pragma once

#include <linux/netlink.h>

namespace floatd::net {

// Whether a whole message starts at `nlh` with `left` bytes of datagram remaining. Like
// mnl_nlmsg_ok(), but libmnl compares (int)nlmsg_len, so a length above 2^31 passes its check
// and sends mnl_nlmsg_next() far past the buffer: this one compares unsigned.
inline bool message_fits(const nlmsghdr* nlh, int left) {
  return left >= static_cast<int>(sizeof(nlmsghdr)) && nlh->nlmsg_len >= sizeof(nlmsghdr) &&
         nlh->nlmsg_len <= static_cast<unsigned>(left);
}

}  // namespace floatd::net
