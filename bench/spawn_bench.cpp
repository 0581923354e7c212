// How long the event loop is blocked per script start: track::spawn() of /bin/true, timed
// from the call to its return (the daemon waits that long), with the process grown to
// --rss-mib (default 100) of touched heap so that fork()'s copy of the page tables shows.
// Prints the median, p90 and max of --runs (default 200) starts, in microseconds.
//   build/tests/daemon/spawn_bench [--runs N] [--rss-mib M]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "track/spawn.hpp"

int main(int argc, char** argv) {
  int runs = 200;
  long rss_mib = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--rss-mib") == 0) rss_mib = std::atol(argv[i + 1]);
  }
  std::vector<char> ballast(static_cast<std::size_t>(rss_mib) << 20);
  for (std::size_t i = 0; i < ballast.size(); i += 4096) ballast[i] = 1;  // resident, not lazy
  const auto cmd = floatd::track::parse_command("/bin/true");
  if (!cmd) return 2;
  std::vector<double> us;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    auto child = floatd::track::spawn(*cmd, {}, {});
    const auto t1 = std::chrono::steady_clock::now();
    if (!child) {
      std::fprintf(stderr, "spawn: %s\n", child.error().c_str());
      return 1;
    }
    waitpid(child->pid, nullptr, 0);
    close(child->output_fd);
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::printf("spawn /bin/true, rss %ld MiB, %d runs: median %.0f us, p90 %.0f us, max %.0f us\n",
              rss_mib, runs, us[us.size() / 2], us[us.size() * 9 / 10], us.back());
  return 0;
}
