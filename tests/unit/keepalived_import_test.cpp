// floatctl import-keepalived: the keepalived.conf reader (files in memory) and
// the mapping to floatd's INI, which must always pass floatd's own parser.
#include "cli/keepalived_import.hpp"

#include <doctest/doctest.h>
#include <fnmatch.h>

#include <map>

#include "cli/keepalived_lexer.hpp"
#include "config/loader.hpp"

using namespace floatd;
using namespace floatd::cli::keepalived;

namespace {

class MemoryFiles final : public FileSource {
 public:
  explicit MemoryFiles(std::map<std::string, std::string> files) : files_(std::move(files)) {}
  Result<std::string> read(const std::string& path) const override {
    const auto it = files_.find(path);
    if (it == files_.end()) return fail(std::string("No such file or directory"));
    return it->second;
  }
  std::vector<std::string> glob(const std::string& pattern) const override {
    std::vector<std::string> out;
    for (const auto& [path, text] : files_) {
      if (fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) out.push_back(path);
    }
    return out;  // std::map keeps them sorted
  }

 private:
  std::map<std::string, std::string> files_;
};

Result<KeepalivedConfig> read_files(std::map<std::string, std::string> files,
                                    const std::string& id = "lb-a") {
  return read_config("keepalived.conf", MemoryFiles(std::move(files)), ReadOptions{id});
}

KeepalivedConfig read_text(const std::string& text, const std::string& id = "lb-a") {
  auto config = read_files({{"keepalived.conf", text}}, id);
  REQUIRE_MESSAGE(config.ok(), config.error());
  return *config;
}

std::vector<std::string> texts(const std::vector<Word>& words) {
  std::vector<std::string> out;
  for (const auto& w : words) out.push_back(w.text);
  return out;
}

struct Imported {
  std::string ini;
  std::vector<std::string> notes;
};

// Imports a keepalived text and checks that floatd takes the result.
Imported import_text(const std::string& text) {
  const auto config = read_text(text);
  auto result = import_config(config.nodes,
                              {"floatctl import-keepalived keepalived.conf", {"keepalived.conf"}});
  auto loaded = config::parse_texts({{"out.conf", result.ini}}, "host");
  std::string errors;
  if (!loaded) {
    for (const auto& e : loaded.error()) errors += e.to_string() + "\n";
  }
  const std::string context = errors + result.ini;
  CHECK_MESSAGE(loaded.ok(), context);
  Imported out{result.ini, {}};
  for (const auto& n : result.notes) out.notes.push_back(to_string(n));
  return out;
}

bool has_line(const std::string& ini, const std::string& line) {
  return ini.find("\n" + line + "\n") != std::string::npos;
}

const std::string kInstance =
    "vrrp_instance web {\n"     // 1
    "  interface eth0\n"        // 2
    "  virtual_router_id 51\n"  // 3
    "  virtual_ipaddress {\n"   // 4
    "    192.0.2.10/24\n"       // 5
    "  }\n";                    // 6

}  // namespace

TEST_SUITE_BEGIN("keepalived_import");

TEST_CASE("words: quotes are removed, adjacent text joins, braces stand alone") {
  auto words = split_words("script \"/bin/check --port 443\" ab\"c d\"'e' x{y}");
  REQUIRE(words.ok());
  CHECK(texts(*words) ==
        std::vector<std::string>{"script", "/bin/check --port 443", "abc de", "x", "{", "y", "}"});
  CHECK(words->at(4).kind == WordKind::kOpen);
  CHECK(split_words("a \"{\"")->at(1).kind == WordKind::kText);
  CHECK(split_words("\"say \\\"hi\\\"\"")->at(0).text == "say \"hi\"");
  CHECK(split_words("\"a b c d\" ''")->size() == 2);
  CHECK(split_words("notify \"open").error() == "unbalanced double quote");
  CHECK(split_words("notify 'open").error() == "unbalanced single quote");
}

TEST_CASE("comments: # and ! outside quotes run to the end of the line") {
  CHECK(strip_comment("priority 100 # lb-b: 90") == "priority 100 ");
  CHECK(strip_comment("router_id x! y") == "router_id x");
  CHECK(strip_comment("script \"/bin/sh -c 'a # b'\" # c") == "script \"/bin/sh -c 'a # b'\" ");
}

TEST_CASE(
    "blocks: the brace on the keyword's line, on the next, or all on one "
    "line") {
  const auto config = read_text(
      "vrrp_instance a\n"                               // 1
      "{\n"                                             // 2
      "  interface eth0   # c\n"                        // 3
      "  virtual_ipaddress { 10.0.0.1/24 dev eth0 }\n"  // 4
      "}\n"                                             // 5
      "vrrp_sync_group g { group { a b } }\n");         // 6
  REQUIRE(config.nodes.size() == 2);
  const Node& a = config.nodes[0];
  CHECK(a.keyword == "vrrp_instance");
  CHECK(a.args == std::vector<std::string>{"a"});
  CHECK(a.block);
  REQUIRE(a.children.size() == 2);
  CHECK(a.children[0].loc.line == 3);
  CHECK(a.children[1].children.at(0).keyword == "10.0.0.1/24");
  CHECK(a.children[1].children.at(0).args == std::vector<std::string>{"dev", "eth0"});
  CHECK(config.nodes[1].children.at(0).children.at(0).args == std::vector<std::string>{"b"});
}

TEST_CASE("blocks: unbalanced braces are errors with their line") {
  CHECK(read_files({{"keepalived.conf", "a {\n b\n"}}).error() ==
        "keepalived.conf:1: the block of a is never closed");
  CHECK(read_files({{"keepalived.conf", "a\n}\n"}}).error() ==
        "keepalived.conf:2: '}' without a block to close");
  CHECK(read_files({{"keepalived.conf", "{\n}\n"}}).error() ==
        "keepalived.conf:1: '{' without a keyword before it");
  CHECK(read_files({{"keepalived.conf", "a \"b\n"}}).error() ==
        "keepalived.conf:1: unbalanced double quote");
  std::string deep;
  for (int i = 0; i < kMaxBlockDepth + 1; ++i) deep += "b {\n";
  CHECK(read_files({{"keepalived.conf", deep}}).error().find("nested more than") !=
        std::string::npos);
}

TEST_CASE("a file that cannot be read is reported at line 0") {
  CHECK(read_files({}).error() == "keepalived.conf:0: cannot read: No such file or directory");
}

TEST_CASE("include: relative to the including file, sorted, with file:line kept") {
  auto config = read_files({
      {"keepalived.conf", "include conf.d/*.conf\nz 1\n"},
      {"conf.d/b.conf", "b 1\ninclude ../more/c.conf\n"},
      {"conf.d/a.conf", "\na 1\n"},
      {"conf.d/../more/c.conf", "c 1\n"},
  });
  REQUIRE_MESSAGE(config.ok(), config.error());
  REQUIRE(config->nodes.size() == 4);
  CHECK(config->nodes[0].keyword == "a");
  CHECK(config->nodes[0].loc.file == "conf.d/a.conf");
  CHECK(config->nodes[0].loc.line == 2);
  CHECK(config->nodes[2].keyword == "c");
  CHECK(config->nodes[3].loc.file == "keepalived.conf");
  CHECK(config->nodes[3].loc.line == 2);
  CHECK(config->files == std::vector<std::string>{"keepalived.conf", "conf.d/a.conf",
                                                  "conf.d/b.conf", "conf.d/../more/c.conf"});
}

TEST_CASE("include: no match is a note, a cycle or too deep a chain an error") {
  auto none = read_files({{"keepalived.conf", "include /etc/keepalived/*.conf\n"}});
  REQUIRE(none.ok());
  REQUIRE(none->notes.size() == 1);
  CHECK(to_string(none->notes[0]) ==
        "keepalived.conf:1: include: not carried over (no file matches "
        "/etc/keepalived/*.conf)");

  auto cycle = read_files(
      {{"keepalived.conf", "include a.conf\n"}, {"a.conf", "include keepalived.conf\n"}});
  CHECK(cycle.error() ==
        "a.conf:1: include: keepalived.conf is already being "
        "read (an include cycle)");

  std::map<std::string, std::string> chain{{"keepalived.conf", "include f1\n"}};
  for (int i = 1; i <= kMaxIncludeDepth; ++i) {
    chain["f" + std::to_string(i)] = "include f" + std::to_string(i + 1) + "\n";
  }
  CHECK(read_files(chain).error().find("files deep") != std::string::npos);
}

TEST_CASE("conditionals: @ID keeps a line on that node, @^ID on the others") {
  const std::string text = "@lb-a priority 150\n@lb-b priority 100\n@^lb-a peer 1\n";
  const auto a = read_text(text, "lb-a");
  REQUIRE(a.nodes.size() == 1);
  CHECK(a.nodes[0].args == std::vector<std::string>{"150"});
  const auto b = read_text(text, "lb-b");
  REQUIRE(b.nodes.size() == 2);
  CHECK(b.nodes[0].args == std::vector<std::string>{"100"});
  CHECK(b.nodes[1].keyword == "peer");
}

TEST_CASE("parameters: $NAME and ${NAME}, recursive, multi-line; unknown ones stay") {
  const auto config = read_text(
      "$IF=eth1\n"
      "$DEV=dev $IF\n"
      "$ADDRS=10.0.0.1 \\\n"
      "10.0.0.2\n"
      "a $IF ${IF}x ${DEV} $NOPE ${NOPE} ${_INSTANCE}\n"
      "$ADDRS\n"
      "b x${_HASH}y${_BANG}\n");
  REQUIRE(config.nodes.size() == 4);
  CHECK(config.nodes[0].args ==
        std::vector<std::string>{"eth1", "eth1x", "dev", "eth1", "$NOPE", "${NOPE}", "lb-a"});
  CHECK(config.nodes[1].keyword == "10.0.0.1");
  CHECK(config.nodes[2].keyword == "10.0.0.2");
  CHECK(config.nodes[2].loc.line == 6);
  CHECK(config.nodes[3].args == std::vector<std::string>{"x#y!"});
}

TEST_CASE("generators are noted and their line left out") {
  const auto config = read_text("~SEQ(i,1,1,3) a $i\nb\n");
  REQUIRE(config.nodes.size() == 1);
  REQUIRE(config.notes.size() == 1);
  CHECK(config.notes[0].keyword == "~SEQ");
}

TEST_CASE(
    "an instance: the keys, and keepalived's default VRRP version "
    "written out") {
  const auto out = import_text(kInstance +
                               "  priority 150\n  advert_int 1\n  state MASTER\n  accept\n"
                               "  unicast_src_ip 192.0.2.2\n  unicast_peer {\n    192.0.2.3\n  }\n"
                               "  garp_master_delay 2\n  use_vmac\n}\n");
  CHECK(out.notes.empty());
  CHECK(has_line(out.ini, "vrrp_version = 2"));
  CHECK(has_line(out.ini, "[instance web]"));
  CHECK(has_line(out.ini, "virtual_ipaddress = 192.0.2.10/24"));
  CHECK(has_line(out.ini, "unicast_peer = 192.0.2.3"));
  CHECK(has_line(out.ini, "use_vmac = yes"));
  CHECK(has_line(out.ini, "accept = yes"));
  CHECK(out.ini.find("interface = eth0\nvirtual_router_id = 51\npriority = 150\n") !=
        std::string::npos);
}

TEST_CASE("versions: global vrrp_version is kept; IPv6 instances are VRRPv3") {
  const auto v3 = import_text("global_defs {\n vrrp_version 3\n}\n" + kInstance + "}\n");
  CHECK(has_line(v3.ini, "vrrp_version = 3"));
  const auto v6 = import_text(
      "vrrp_instance six {\n interface eth0\n virtual_router_id 6\n version 2\n"
      " virtual_ipaddress {\n  fe80::6/64\n  2001:db8::6/64\n  192.0.2.6/24\n "
      "}\n}\n");
  CHECK(has_line(v6.ini, "version = 3"));
  REQUIRE(v6.notes.size() == 2);
  CHECK(v6.notes[0] ==
        "keepalived.conf:4: version: not carried over "
        "(keepalived runs IPv6 instances as VRRPv3)");
  CHECK(v6.notes[1].find("keepalived.conf:8: 192.0.2.6/24: not carried over") == 0);
}

TEST_CASE("VRRPv2 advert_int is whole seconds, as keepalived rounds it") {
  const auto out = import_text(kInstance + "  advert_int 1.6\n}\n");
  CHECK(has_line(out.ini, "advert_int = 2"));
}

TEST_CASE("nopreempt: preempt = no, unless keepalived itself would ignore it") {
  auto out = import_text(kInstance + "  nopreempt\n  preempt_delay 10\n}\n");
  CHECK(has_line(out.ini, "preempt = no"));
  REQUIRE(out.notes.size() == 1);
  CHECK(out.notes[0] ==
        "keepalived.conf:8: preempt_delay: not carried over (keepalived ignores "
        "preempt_delay with nopreempt)");
  out = import_text(kInstance + "  nopreempt\n  priority 255\n}\n");
  CHECK(out.ini.find("preempt = no") == std::string::npos);
  REQUIRE(out.notes.size() == 1);
  CHECK(out.notes[0].find("keepalived resets nopreempt on an address owner") != std::string::npos);
}

TEST_CASE("authentication: PASS (8 characters) on VRRPv2; AH and VRRPv3 are notes") {
  auto out =
      import_text(kInstance + "  authentication {\n auth_type PASS\n auth_pass 123456789\n }\n}\n");
  CHECK(has_line(out.ini, "auth_type = PASS"));
  CHECK(has_line(out.ini, "auth_pass = 12345678"));
  out = import_text(kInstance + "  authentication {\n auth_type AH\n auth_pass x\n }\n}\n");
  REQUIRE(out.notes.size() == 1);
  CHECK(out.notes[0] ==
        "keepalived.conf:7: authentication: not carried over (auth_type AH: "
        "floatd supports PASS only)");
  out = import_text(kInstance +
                    " version 3\n authentication {\n auth_type PASS\n auth_pass x\n }\n}\n");
  CHECK(out.notes.size() == 2);
  CHECK(out.ini.find("auth_") == std::string::npos);
}

TEST_CASE(
    "track_script: the script's weight, an override, and references "
    "keepalived ignores") {
  const auto out =
      import_text("vrrp_script chk {\n script \"/bin/chk --x\"\n weight -20\n}\n" + kInstance +
                  " track_script {\n  chk\n  later\n }\n}\n"
                  "vrrp_instance two {\n interface eth1\n virtual_router_id 52\n"
                  " virtual_ipaddress {\n  192.0.2.20/24\n }\n track_script {\n  chk "
                  "weight 5\n }\n}\n"
                  "vrrp_script later {\n script /bin/later\n}\n");
  CHECK(has_line(out.ini, "script = /bin/chk --x"));
  CHECK(has_line(out.ini, "track_script = chk weight -20"));
  CHECK(has_line(out.ini, "track_script = chk weight 5"));
  REQUIRE(out.notes.size() == 1);
  CHECK(out.notes[0] ==
        "keepalived.conf:13: later: not carried over (no vrrp_script later "
        "before this line; keepalived ignores the reference)");
}

TEST_CASE(
    "sync groups: members, and keepalived's rule for weights without "
    "tracking weight") {
  const auto out =
      import_text("vrrp_script chk {\n script /bin/chk\n weight -20\n}\n" + kInstance +
                  " track_interface {\n  eth2 weight -10\n }\n track_script {\n  chk\n "
                  "}\n}\n"
                  "vrrp_instance two {\n interface eth1\n virtual_router_id 52\n"
                  " virtual_ipaddress {\n  192.0.2.20/24\n }\n}\n"
                  "vrrp_sync_group g {\n group {\n  web\n  two\n  ghost\n }\n notify "
                  "\"/bin/n g\"\n}\n");
  CHECK(has_line(out.ini, "[sync_group g]"));
  CHECK(has_line(out.ini, "group = web two"));
  CHECK(has_line(out.ini, "notify = /bin/n g"));
  CHECK(has_line(out.ini, "track_interface = eth2 weight 0"));
  CHECK(out.ini.find("track_script") == std::string::npos);
  REQUIRE(out.notes.size() == 2);
  CHECK(out.notes[0].find("keepalived.conf:15: chk: not carried over (keepalived ignores a "
                          "weighted track_script") == 0);
  CHECK(out.notes[1] ==
        "keepalived.conf:29: ghost: not carried over (no vrrp_instance of that "
        "name was carried over)");
}

TEST_CASE("a sync group of fewer than two carried instances is a note") {
  const auto out = import_text(kInstance + "}\nvrrp_sync_group g {\n group {\n  web\n }\n}\n");
  CHECK(out.ini.find("sync_group") == std::string::npos);
  REQUIRE(out.notes.size() == 1);
  CHECK(out.notes[0].find("keepalived.conf:8: vrrp_sync_group: not carried over") == 0);
}

TEST_CASE("what floatd cannot hold: one note per keyword or block, with its line") {
  const auto out =
      import_text("global_defs {\n smtp_server 192.0.2.25\n vrrp_strict\n}\n" + kInstance +
                  "  no_accept\n  virtual_routes {\n    0.0.0.0/0 via 192.0.2.1\n  }\n"
                  "  virtual_ipaddress {\n    192.0.2.11/24 brd 192.0.2.255 scope global\n "
                  " }\n}\n"
                  "virtual_server 192.0.2.10 80 {\n  real_server 10.0.0.1 80 {\n   weight "
                  "1\n  }\n}\n");
  const std::vector<std::string> expected{
      "keepalived.conf:2: smtp_server: not carried over (floatd sends no "
      "e-mail; a notify "
      "command can)",
      "keepalived.conf:3: vrrp_strict: not carried over (floatd has no strict "
      "mode; its "
      "no_accept would be refused too)",
      "keepalived.conf:11: no_accept: not carried over (floatd refuses accept "
      "= no: it installs "
      "no firewall rules to drop traffic to the addresses)",
      "keepalived.conf:12: virtual_routes: not carried over (floatd manages no "
      "routes; a notify "
      "command can)",
      "keepalived.conf:16: brd: not carried over (floatd sets only dev and "
      "label on a virtual "
      "address)",
      "keepalived.conf:16: scope: not carried over (floatd sets only dev and "
      "label on a virtual "
      "address)",
      "keepalived.conf:19: virtual_server: not carried over (floatd has no LVS "
      "virtual servers)",
  };
  CHECK(out.notes == expected);
  CHECK(has_line(out.ini, "virtual_ipaddress = 192.0.2.11/24"));
}

TEST_CASE("an instance floatd cannot run is left out whole, with the reason") {
  const auto out = import_text("vrrp_instance bare {\n interface eth0\n virtual_router_id 1\n}\n");
  CHECK(out.ini.find("[instance") == std::string::npos);
  REQUIRE(out.notes.size() == 1);
  CHECK(out.notes[0] ==
        "keepalived.conf:1: vrrp_instance bare: not carried over (floatd needs "
        "a virtual_ipaddress in an instance)");
}

TEST_CASE("notify commands keep their quoted arguments; a user is a note") {
  const auto out = import_text(kInstance +
                               "  notify_master \"/bin/n 'a b' \\\"c\\\"\" root\n"
                               "  notify_backup relative.sh\n}\n");
  CHECK(has_line(out.ini, "notify_master = /bin/n 'a b' \"c\""));
  REQUIRE(out.notes.size() == 2);
  CHECK(out.notes[0].find("notify_master: user \"root\" not carried over") != std::string::npos);
  CHECK(out.notes[1].find("notify_backup: not carried over (\"relative.sh\" is "
                          "not an absolute") != std::string::npos);
}

// Issue 12: the hook cloud users re-assert the address with is carried over as it is.
TEST_CASE("notify_master_rx_lower_pri is carried over, after the other notify commands") {
  const auto out = import_text(kInstance +
                               "  notify_master_rx_lower_pri \"/usr/lib/floatd/aws-move-ip --eip x\"\n"
                               "  notify_master /bin/up\n}\n");
  CHECK(has_line(out.ini, "notify_master_rx_lower_pri = /usr/lib/floatd/aws-move-ip --eip x"));
  CHECK(out.ini.find("notify_master = /bin/up") < out.ini.find("notify_master_rx_lower_pri"));
  CHECK(out.notes.empty());
}

TEST_CASE(
    "an address owner's weighted trackers are notes: keepalived never "
    "moves 255") {
  const auto out = import_text(kInstance +
                               "  priority 255\n  track_interface {\n    eth1 weight -10\n"
                               "    eth2\n  }\n}\n");
  CHECK(has_line(out.ini, "track_interface = eth2 weight 0"));
  REQUIRE(out.notes.size() == 1);
  CHECK(out.notes[0].find("keepalived.conf:9: eth1: not carried over") == 0);
}

TEST_CASE("notes are sorted by file, in reading order, then line") {
  std::vector<Note> notes{
      {{"b.conf", 1}, "x", "1"}, {{"a.conf", 9}, "y", "2"}, {{"a.conf", 2}, "z", "3"}};
  sort_notes(notes, {"a.conf", "b.conf"});
  CHECK(notes[0].keyword == "z");
  CHECK(notes[1].keyword == "y");
  CHECK(notes[2].keyword == "x");
}

TEST_SUITE_END();
