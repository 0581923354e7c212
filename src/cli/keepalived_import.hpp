// keepalived_import: a keepalived configuration (the node tree keepalived_lexer
// reads) as floatd's INI text, plus a note for every keyword that could not be
// carried over.
//
// The rule is that the imported configuration behaves as keepalived did with
// the original:
//   - keepalived's defaults that differ from floatd's are written out
//   (vrrp_version = 2 unless
//     the configuration sets it; IPv6 instances are VRRPv3 as in keepalived);
//   - what keepalived itself ignores or resets is left out with a note saying
//   so (nopreempt
//     with state MASTER or priority 255, preempt_delay with nopreempt, weighted
//     track_script and track_file in a sync group without
//     sync_group_tracking_weight, a track_script naming a vrrp_script defined
//     after it, authentication on VRRPv3);
//   - values are written in the form floatd --dump-config prints them, sections
//   in its order
//     (global, scripts, track files, instances, sync groups), keys in its
//     order.
// Everything else (LVS, BFD, SMTP, SNMP, D-Bus, strict mode, routes, eVIPs,
// ...) is a note "FILE:LINE: KEYWORD: not carried over (REASON)"; a block is
// one note. Pure: no files, no clock.
#pragma once

#include <string>
#include <vector>

#include "cli/keepalived_lexer.hpp"

namespace floatd::cli::keepalived {

struct ImportOptions {
  std::string command;             // how the import was run, for the header comment
  std::vector<std::string> files;  // the keepalived files read, for the header and note order
};

struct ImportResult {
  std::string ini;
  std::vector<Note> notes;  // sorted by file and line
};

ImportResult import_config(const std::vector<Node>& nodes, const ImportOptions& options);

}  // namespace floatd::cli::keepalived
