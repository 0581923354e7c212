// The unit test runner: pure tests of the core and config, no root, no network.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
