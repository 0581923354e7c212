// floatctl import-keepalived [--id ID] FILE: a keepalived.conf as floatd's INI
// on stdout.
#pragma once

#include <string>
#include <vector>

namespace floatd::cli {

// Runs the command with the words after "import-keepalived"; returns the exit
// status: 0 everything carried over, 3 something was left out (the notes are on
// stderr, the INI is still printed), 1 a file that cannot be read or a syntax
// error, 2 a usage error.
int import_keepalived_main(const std::vector<std::string>& args);

}  // namespace floatd::cli
