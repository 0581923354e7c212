// parse_command: a script line split into argv without a shell, or handed to /bin/sh.
#include <doctest/doctest.h>

#include "track/command.hpp"

using floatd::track::Command;
using floatd::track::first_word;
using floatd::track::parse_command;

namespace {

std::vector<std::string> argv_of(std::string_view line) {
  auto cmd = parse_command(line);
  REQUIRE_MESSAGE(cmd.ok(), std::string(line));
  CHECK_FALSE(cmd->shell);
  return cmd->argv;
}

bool asks_for_shell(std::string_view line) {
  auto cmd = parse_command(line);
  REQUIRE_MESSAGE(cmd.ok(), std::string(line));
  if (cmd->shell) {
    CHECK(cmd->argv.size() == 3);
    CHECK(cmd->argv[0] == "/bin/sh");
    CHECK(cmd->argv[1] == "-c");
  }
  return cmd->shell;
}

std::string error_of(std::string_view line) {
  auto cmd = parse_command(line);
  REQUIRE_FALSE(cmd.ok());
  return cmd.error();
}

}  // namespace

TEST_CASE("command: blanks separate words") {
  using V = std::vector<std::string>;
  CHECK(argv_of("/usr/bin/check") == V{"/usr/bin/check"});
  CHECK(argv_of("  /usr/bin/check   -a\t b  ") == V{"/usr/bin/check", "-a", "b"});
  CHECK(argv_of("pidof haproxy") == V{"pidof", "haproxy"});
}

TEST_CASE("command: quotes group and backslashes escape") {
  using V = std::vector<std::string>;
  CHECK(argv_of("/bin/check 'a b' \"c d\"") == V{"/bin/check", "a b", "c d"});
  CHECK(argv_of("/bin/check 'it''s'") == V{"/bin/check", "its"});
  CHECK(argv_of("/bin/check a\\ b") == V{"/bin/check", "a b"});
  CHECK(argv_of("/bin/check \\'x") == V{"/bin/check", "'x"});
  CHECK(argv_of("/bin/check \"say \\\"hi\\\"\"") == V{"/bin/check", "say \"hi\""});
  CHECK(argv_of("/bin/check \"a\\nb\"") == V{"/bin/check", "a\\nb"});  // kept inside "..."
  CHECK(argv_of("/bin/check 'a\\b'") == V{"/bin/check", "a\\b"});
  CHECK(argv_of("/bin/check '' \"\"") == V{"/bin/check", "", ""});
  CHECK(argv_of("/bin/check pre'mid'post") == V{"/bin/check", "premidpost"});
}

TEST_CASE("command: quoted or escaped shell characters stay plain arguments") {
  using V = std::vector<std::string>;
  CHECK(argv_of("/bin/check 'a|b' \"c;d\" e\\&f") == V{"/bin/check", "a|b", "c;d", "e&f"});
  CHECK(argv_of("/bin/check '$HOME' '*'") == V{"/bin/check", "$HOME", "*"});
  CHECK(argv_of("/bin/check a=b") == V{"/bin/check", "a=b"});  // not in front of the command
  CHECK(argv_of("test -f /x") == V{"test", "-f", "/x"});  // a program, in PATH
  CHECK(argv_of("/bin/check exit if") == V{"/bin/check", "exit", "if"});
  CHECK(argv_of("/bin/check a~b c#x") == V{"/bin/check", "a~b", "c#x"});
}

TEST_CASE("command: shell syntax asks for /bin/sh") {
  for (const char* line : {"pidof a | grep b", "a; b", "a && b", "a & ", "a > /tmp/x", "a < /x",
                           "echo $HOME", "echo `id`", "ls *.conf", "ls ?", "ls [ab]", "(a)",
                           "cd ~/x", "a\nb", "X=1 a", "a # comment", "! a", "echo \"$HOME\"",
                           "trap \"\" TERM; sleep 100", "exec sleep 1", "exit 1", "cd /tmp",
                           "if true", ". /etc/x", "{ a"}) {
    CAPTURE(line);
    CHECK(asks_for_shell(line));
  }
  auto cmd = parse_command("  pidof a | grep b  ");
  REQUIRE(cmd.ok());
  CHECK(cmd->argv[2] == "pidof a | grep b");
}

TEST_CASE("command: errors") {
  CHECK(error_of("") == "empty command");
  CHECK(error_of("  \t ") == "empty command");
  CHECK(error_of("'' a") == "empty command name");
  CHECK(error_of("/bin/check 'a") == "unbalanced single quote");
  CHECK(error_of("/bin/check \"a") == "unbalanced double quote");
  CHECK(error_of("/bin/check \"a\\\"") == "unbalanced double quote");
  CHECK(error_of("a | b 'c") == "unbalanced single quote");  // sh would fail too
  CHECK(error_of("/bin/check a\\") == "trailing backslash");
  CHECK(error_of(std::string_view("/bin/a\0b", 8)) == "NUL byte in command");
}

TEST_CASE("command: first word of a shell line") {
  CHECK(first_word("/usr/bin/check a | b") == "/usr/bin/check");
  CHECK(first_word("  'my check' x") == "my check");
  CHECK(first_word("pidof x|grep y") == "pidof");
  CHECK(first_word("trap \"\" TERM; sleep 1") == "trap");
  CHECK(first_word("< /etc/x") == "");
  CHECK(first_word("(a)") == "");
}
