/* Outage probe for the netns tests and the demo: ICMP echo to one address every interval
 * (1 ms by default) from a raw socket, CLOCK_MONOTONIC receive times, and at the end one line
 *
 *   sent=N received=N lost=N max_gap_ms=X gap_end_ms=X first_reply_ms=X tail_ms=X
 *   max_send_gap_ms=X
 *
 * max_gap_ms: the largest gap between two consecutive replies (the outage a client saw);
 * gap_end_ms: when that gap ended, from the probe's start; tail_ms: from the last reply to the
 * end (a path that never came back shows here, not in max_gap_ms); lost: echoes never answered.
 * max_send_gap_ms: the largest gap between two consecutive sends, the probe's own lateness (a
 * probe the machine did not run for 20 ms sees a 20 ms gap between replies that no router made).
 *
 * Usage: probe [-i INTERVAL_US] [-d SECONDS] [-r READY_FILE] ADDRESS
 * Runs for -d seconds, or until SIGINT/SIGTERM. -r creates READY_FILE at the first reply, so a
 * test can start its event only once the probe sees the path. Needs CAP_NET_RAW (root).
 * Plain C so that tests build it with `cc` on the fly: cc -O2 -o probe probe.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SEQ_SPACE 65536

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint16_t inet_checksum(const void *data, size_t len) {
  const uint8_t *p = data;
  uint32_t sum = 0;
  for (; len > 1; p += 2, len -= 2) sum += (uint32_t)(p[0] << 8 | p[1]);
  if (len) sum += (uint32_t)(p[0] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons((uint16_t)~sum);
}

struct probe {
  int fd;
  int family;
  struct sockaddr_storage dst;
  socklen_t dst_len;
  uint16_t id;
  uint16_t next_seq;
  uint64_t sent, received;
  int64_t start, first_reply, last_reply, max_gap, gap_end;
  int64_t last_send, max_send_gap;
  const char *ready_file;
  uint8_t answered[SEQ_SPACE / 8];  /* one bit per sequence number in flight */
};

static void usage(void) {
  fprintf(stderr, "usage: probe [-i INTERVAL_US] [-d SECONDS] [-r READY_FILE] ADDRESS\n");
  exit(2);
}

static void open_socket(struct probe *p, const char *addr) {
  struct sockaddr_in *v4 = (struct sockaddr_in *)&p->dst;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&p->dst;
  memset(&p->dst, 0, sizeof p->dst);
  if (inet_pton(AF_INET, addr, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    p->family = AF_INET;
    p->dst_len = sizeof *v4;
    p->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMP);
  } else if (inet_pton(AF_INET6, addr, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    p->family = AF_INET6;
    p->dst_len = sizeof *v6;
    p->fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK, IPPROTO_ICMPV6);
    if (p->fd >= 0) {
      struct icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
      setsockopt(p->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    }
  } else {
    fprintf(stderr, "probe: not an IP address: %s\n", addr);
    exit(2);
  }
  if (p->fd < 0) {
    perror("probe: raw socket (needs root)");
    exit(1);
  }
  int rcvbuf = 1 << 20;
  setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
}

static void send_echo(struct probe *p) {
  uint8_t buf[64] = {0};
  uint16_t seq = p->next_seq++;
  buf[0] = p->family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
  memcpy(buf + 4, &(uint16_t){htons(p->id)}, 2);
  memcpy(buf + 6, &(uint16_t){htons(seq)}, 2);
  p->answered[seq / 8] &= (uint8_t)~(1u << (seq % 8));
  if (p->family == AF_INET) {
    uint16_t sum = inet_checksum(buf, sizeof buf);
    memcpy(buf + 2, &sum, 2);
  }  /* the kernel fills in the ICMPv6 checksum */
  /* A send can fail while the path is down (no neighbour yet): it still counts as sent. */
  (void)sendto(p->fd, buf, sizeof buf, 0, (struct sockaddr *)&p->dst, p->dst_len);
  int64_t t = now_ns();
  if (p->sent > 0 && t - p->last_send > p->max_send_gap) p->max_send_gap = t - p->last_send;
  p->last_send = t;
  p->sent++;
}

static int same_source(const struct probe *p, const struct sockaddr_storage *from) {
  if (p->family == AF_INET)
    return ((const struct sockaddr_in *)from)->sin_addr.s_addr ==
           ((const struct sockaddr_in *)&p->dst)->sin_addr.s_addr;
  return memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
                &((const struct sockaddr_in6 *)&p->dst)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

static void note_reply(struct probe *p, uint16_t seq, int64_t t) {
  if (p->answered[seq / 8] & (1u << (seq % 8))) return;  /* duplicate */
  p->answered[seq / 8] |= (uint8_t)(1u << (seq % 8));
  p->received++;
  if (p->first_reply < 0) {
    p->first_reply = t;
    if (p->ready_file) {
      int fd = open(p->ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) close(fd);
    }
  } else if (t - p->last_reply > p->max_gap) {
    p->max_gap = t - p->last_reply;
    p->gap_end = t - p->start;
  }
  p->last_reply = t;
}

static void read_replies(struct probe *p) {
  uint8_t buf[2048];
  for (;;) {
    struct sockaddr_storage from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(p->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len);
    int64_t t = now_ns();
    if (n < 0) return;  /* EAGAIN: drained */
    const uint8_t *icmp = buf;
    if (p->family == AF_INET) {  /* IPv4 raw sockets deliver the IP header too */
      size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
      if ((size_t)n < ihl + 8) continue;
      icmp += ihl;
      n -= (ssize_t)ihl;
      if (icmp[0] != ICMP_ECHOREPLY) continue;
    } else if (n < 8 || icmp[0] != ICMP6_ECHO_REPLY) {
      continue;
    }
    uint16_t id, seq;
    memcpy(&id, icmp + 4, 2);
    memcpy(&seq, icmp + 6, 2);
    if (ntohs(id) != p->id || !same_source(p, &from)) continue;
    note_reply(p, ntohs(seq), t);
  }
}

static void wait_until(struct probe *p, int64_t deadline) {
  int64_t left = deadline - now_ns();
  if (left < 0) left = 0;
  struct timespec ts = {left / 1000000000, left % 1000000000};
  struct pollfd pfd = {p->fd, POLLIN, 0};
  if (ppoll(&pfd, 1, &ts, NULL) > 0) read_replies(p);
}

int main(int argc, char **argv) {
  struct probe p;
  memset(&p, 0, sizeof p);
  int64_t interval = 1000000, duration = -1;
  int opt;
  while ((opt = getopt(argc, argv, "i:d:r:")) != -1) {
    switch (opt) {
      case 'i': interval = (int64_t)(atof(optarg) * 1000); break;
      case 'd': duration = (int64_t)(atof(optarg) * 1e9); break;
      case 'r': p.ready_file = optarg; break;
      default: usage();
    }
  }
  if (optind != argc - 1 || interval <= 0) usage();
  open_socket(&p, argv[optind]);
  p.id = (uint16_t)getpid();
  p.first_reply = -1;

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  p.start = now_ns();
  int64_t next_send = p.start;
  while (!stop_requested) {
    int64_t now = now_ns();
    if (duration >= 0 && now - p.start >= duration) break;
    if (now >= next_send) {
      send_echo(&p);
      next_send += interval;
      if (next_send < now) next_send = now + interval;  /* fell behind: do not burst */
    }
    wait_until(&p, next_send);
  }
  int64_t end = now_ns();
  /* Stragglers already on the wire still count as answered, not as lost. */
  int64_t drain_until = end + 20000000;
  while (now_ns() < drain_until) wait_until(&p, drain_until);

  int64_t tail = p.first_reply < 0 ? end - p.start : end - p.last_reply;
  if (tail < 0) tail = 0;  /* a straggler arrived after the end */
  double ms = 1e6;
  printf("sent=%llu received=%llu lost=%llu max_gap_ms=%.1f gap_end_ms=%.1f "
         "first_reply_ms=%.1f tail_ms=%.1f max_send_gap_ms=%.1f\n",
         (unsigned long long)p.sent, (unsigned long long)p.received,
         (unsigned long long)(p.sent - p.received), (double)p.max_gap / ms,
         (double)p.gap_end / ms,
         p.first_reply < 0 ? -1.0 : (double)(p.first_reply - p.start) / ms,
         (double)tail / ms, (double)p.max_send_gap / ms);
  return 0;
}
