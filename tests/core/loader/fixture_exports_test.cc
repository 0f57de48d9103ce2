// Checks with nm that a plugin built by outbound_add_plugin exports nothing but its
// descriptor, besides the symbols that the toolchain and the standard library add.

#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "loader_test_support.h"

namespace outbound::loader {
namespace {

struct PipeCloser {
  void operator()(FILE* pipe) const { ::pclose(pipe); }
};

// Returns the output of `command`, or nullopt when it cannot be started.
std::optional<std::string> run(const std::string& command) {
  std::unique_ptr<FILE, PipeCloser> pipe(::popen(command.c_str(), "r"));
  if (!pipe) return std::nullopt;
  std::string output;
  char buffer[4096];
  while (const std::size_t read = std::fread(buffer, 1, sizeof(buffer), pipe.get())) {
    output.append(buffer, read);
  }
  return output;
}

// Whether a symbol comes from the linker or from a standard library template that the
// plugin instantiated: such symbols have default visibility whatever the plugin's settings.
bool is_standard_symbol(const std::string& name) {
  static const std::vector<std::string> kLinkerSymbols = {"_init", "_fini", "_edata", "_end",
                                                          "__bss_start"};
  for (const std::string& symbol : kLinkerSymbols) {
    if (name == symbol) return true;
  }
  // Itanium mangling: _ZSt and _ZNSt are in namespace std; _ZNKSt are its const members;
  // _ZTISt, _ZTSSt and _ZTVSt its type info, type names and vtables; _ZGVZNSt guard variables.
  static const std::vector<std::string> kStdPrefixes = {"_ZSt",   "_ZNSt",  "_ZNKSt",  "_ZTISt",
                                                        "_ZTSSt", "_ZTVSt", "_ZGVZNSt"};
  for (const std::string& prefix : kStdPrefixes) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

TEST(FixtureExports, GoodPluginExportsOnlyDescriptor) {
  const std::string file = testing::fixture_file("good", "good.so").string();
  const std::optional<std::string> output =
      run(std::string("'") + OUTBOUND_NM + "' -D --defined-only '" + file + "'");
  ASSERT_TRUE(output.has_value());

  // Each line is "address type name"; text (T, t), data (D, d, B, b, R, r), weak (W, V) and
  // unique (u) symbols count as exports.
  std::vector<std::string> exports;
  std::istringstream lines(*output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string address, type, name;
    if (!(fields >> address >> type >> name)) continue;
    if (std::string("TtDdBbRrWVu").find(type) == std::string::npos) continue;
    if (!is_standard_symbol(name)) exports.push_back(name);
  }

  EXPECT_EQ(exports, std::vector<std::string>{"outbound_plugin_descriptor"}) << *output;
}

}  // namespace
}  // namespace outbound::loader
