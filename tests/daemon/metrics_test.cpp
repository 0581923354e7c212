// Metrics from the tracking snapshot: the text `floatctl metrics` prints, pinned, because
// scrapers read it (the netns tests grep floatd_*). Captured from the JSON-reading version.
#include <doctest/doctest.h>

#include "daemon/metrics.hpp"

using namespace floatd::daemon;  // NOLINT

TEST_CASE("metrics: scripts and track files from the tracking snapshot") {
  TrackingSnapshot s;
  s.scripts.push_back({"chk_web", false, {5, 1, 1, 0}, "success"});
  s.scripts.push_back({"db\"x\\y", true, {9, 4, 2, 3}, "failure: x"});
  s.files.push_back({"maint", "/run/m", -3, true, ""});
  s.files.push_back({"big", "/run/b", 123456789, false, "err"});
  s.processes = {3, 2, 32};
  const std::string text = metrics_text({}, s, {7, {5, 2, 11, 3, 2}, {900, 4, floatd::Microseconds{12345}}});
  const std::string expected =
      "# HELP floatd_instance_state 1 for the instance's current VRRP state, 0 for the others.\n"
      "# TYPE floatd_instance_state gauge\n"
      "# HELP floatd_instance_priority Configured priority.\n"
      "# TYPE floatd_instance_priority gauge\n"
      "# HELP floatd_instance_effective_priority Priority after tracking.\n"
      "# TYPE floatd_instance_effective_priority gauge\n"
      "# HELP floatd_instance_maintenance 1 while held by floatctl maintenance.\n"
      "# TYPE floatd_instance_maintenance gauge\n"
      "# HELP floatd_adverts_sent_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_adverts_sent_total counter\n"
      "# HELP floatd_adverts_received_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_adverts_received_total counter\n"
      "# HELP floatd_transitions_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_transitions_total counter\n"
      "# HELP floatd_send_errors_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_send_errors_total counter\n"
      "# HELP floatd_vips_restored_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_vips_restored_total counter\n"
      "# HELP floatd_vip_adds_failed_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_vip_adds_failed_total counter\n"
      "# HELP floatd_router_adverts_sent_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_router_adverts_sent_total counter\n"
      "# HELP floatd_solicitations_heard_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_solicitations_heard_total counter\n"
      "# HELP floatd_v2_adverts_sent_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_v2_adverts_sent_total counter\n"
      "# HELP floatd_v2_adverts_received_total Per instance counter; see floatctl(8).\n"
      "# TYPE floatd_v2_adverts_received_total counter\n"
      "# HELP floatd_kernel_repairs_total Addresses the reconciler added back or removed (missing VIPs, floatd's unwanted ones).\n"
      "# TYPE floatd_kernel_repairs_total counter\n"
      "# HELP floatd_kernel_missing_addresses Wanted addresses the kernel lacks, at the last check.\n"
      "# TYPE floatd_kernel_missing_addresses gauge\n"
      "# HELP floatd_kernel_extra_addresses floatd's addresses nobody wants, at the last check.\n"
      "# TYPE floatd_kernel_extra_addresses gauge\n"
      "# HELP floatd_kernel_failing_addresses Addresses whose last repair failed (retried with backoff).\n"
      "# TYPE floatd_kernel_failing_addresses gauge\n"
      "# HELP floatd_adverts_dropped_total Adverts dropped, by reason (floatctl(8)).\n"
      "# TYPE floatd_adverts_dropped_total counter\n"
      "# HELP floatd_advert_findings_total Adverts accepted with a finding that is logged, not acted on (floatctl(8)).\n"
      "# TYPE floatd_advert_findings_total counter\n"
      "# HELP floatd_scripts_running Scripts and notify commands running now.\n"
      "# TYPE floatd_scripts_running gauge\n"
      "floatd_scripts_running 3\n"
      "# HELP floatd_scripts_queued Scripts waiting for a slot (max_running_scripts).\n"
      "# TYPE floatd_scripts_queued gauge\n"
      "floatd_scripts_queued 2\n"
      "# HELP floatd_script_up 1 while the check script passes (after rise/fall).\n"
      "# TYPE floatd_script_up gauge\n"
      "floatd_script_up{script=\"chk_web\"} 1\n"
      "floatd_script_up{script=\"db\\\"x\\\\y\"} 0\n"
      "# HELP floatd_script_runs_total Per check script counter.\n"
      "# TYPE floatd_script_runs_total counter\n"
      "floatd_script_runs_total{script=\"chk_web\"} 5\n"
      "floatd_script_runs_total{script=\"db\\\"x\\\\y\"} 9\n"
      "# HELP floatd_script_failures_total Per check script counter.\n"
      "# TYPE floatd_script_failures_total counter\n"
      "floatd_script_failures_total{script=\"chk_web\"} 1\n"
      "floatd_script_failures_total{script=\"db\\\"x\\\\y\"} 4\n"
      "# HELP floatd_script_timeouts_total Per check script counter.\n"
      "# TYPE floatd_script_timeouts_total counter\n"
      "floatd_script_timeouts_total{script=\"chk_web\"} 1\n"
      "floatd_script_timeouts_total{script=\"db\\\"x\\\\y\"} 2\n"
      "# HELP floatd_script_recoveries_total Per check script counter.\n"
      "# TYPE floatd_script_recoveries_total counter\n"
      "floatd_script_recoveries_total{script=\"chk_web\"} 0\n"
      "floatd_script_recoveries_total{script=\"db\\\"x\\\\y\"} 3\n"
      "# HELP floatd_track_file_value The number in a track file.\n"
      "# TYPE floatd_track_file_value gauge\n"
      "floatd_track_file_value{track_file=\"maint\"} -3\n"
      "floatd_track_file_value{track_file=\"big\"} 123456789\n";
  CHECK(text.find(expected) != std::string::npos);
  CHECK(text.find("floatd_unknown_vrid_adverts_total 7\n") != std::string::npos);
  CHECK(text.find("floatd_control_clients 5\n") != std::string::npos);
  CHECK(text.find("floatd_control_subscribers 2\n") != std::string::npos);
  CHECK(text.find("floatd_control_connections_dropped_total{reason=\"evicted\"} 11\n") !=
        std::string::npos);
  CHECK(text.find("floatd_control_connections_dropped_total{reason=\"refused\"} 3\n") !=
        std::string::npos);
  CHECK(text.find("floatd_control_connections_dropped_total{reason=\"shed\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("floatd_loop_slow_batches_total 4\n") != std::string::npos);
  CHECK(text.find("floatd_loop_longest_batch_seconds 0.012345\n") != std::string::npos);
}
