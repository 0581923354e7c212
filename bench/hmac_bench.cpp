// The cost of sealing heartbeat adverts (issue 11): HmacSha256::digest() of a 40-byte message
// (what a VRRPv3 advert with a few addresses, plus the IPv4 addresses and sequence number,
// comes to) and a whole vrrp::seal(). Prints the median and p99 of --runs (default 100000)
// calls each, in nanoseconds, and the process's VmRSS before and after creating the HMAC.
//   build/tests/unit/hmac_bench [--runs N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "net/hmac_sha256.hpp"
#include "vrrp/heartbeat_seal.hpp"

namespace {

long vm_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

template <typename F>
void time_it(const char* what, int runs, F f) {
  std::vector<double> ns;
  ns.reserve(static_cast<std::size_t>(runs));
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const auto t1 = std::chrono::steady_clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  std::sort(ns.begin(), ns.end());
  std::printf("%-26s median %6.0f ns  p99 %6.0f ns  (%d runs)\n", what, ns[ns.size() / 2],
              ns[ns.size() * 99 / 100], runs);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 100000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
  }
  const long rss_before = vm_rss_kib();
  const std::vector<std::uint8_t> key(32, 0x5a);
  auto hmac = floatd::net::HmacSha256::create(key);
  if (!hmac) {
    std::fprintf(stderr, "%s\n", hmac.error().c_str());
    return 1;
  }
  const long rss_after = vm_rss_kib();
  std::printf("VmRSS %ld KiB before HmacSha256::create, %ld KiB after\n", rss_before, rss_after);

  const std::vector<std::uint8_t> message40(40, 0x31);
  time_it("digest, 40 bytes", runs, [&] { (void)(*hmac)->digest(message40); });
  const std::vector<std::uint8_t> advert(16, 0x31);  // v3 header + 2 IPv4 addresses
  const auto src = *floatd::IpAddress::parse("10.1.0.1");
  const auto dst = *floatd::IpAddress::parse("10.1.0.2");
  floatd::vrrp::SequenceCounter seq(1'700'000'000u);
  time_it("seal, 16-byte advert", runs,
          [&] { (void)floatd::vrrp::seal(advert, src, dst, seq.next(), **hmac); });
  auto sealed = floatd::vrrp::seal(advert, src, dst, 1, **hmac);
  time_it("unseal, 16-byte advert", runs,
          [&] { (void)floatd::vrrp::unseal(*sealed, src, dst, **hmac); });
  return 0;
}
