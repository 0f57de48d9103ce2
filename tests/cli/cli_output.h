#pragma once

// Reads and checks what the `outbound` command printed, for the end-to-end tests of the
// commands. Text output has lines "  LABEL: value". A --json run prints one JSON document, and
// `batch` prints one a line.

#include <cstddef>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_process.h"
#include "test_support.h"

namespace outbound::cli_testing {

/// Returns every value of the text output lines "  LABEL: value", in order.
inline std::vector<std::string> fields(const std::string& text, const std::string& label) {
  std::vector<std::string> values;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    const std::string prefix = "  " + label + ":";
    if (line.rfind(prefix, 0) != 0) continue;
    const auto start = line.find_first_not_of(' ', prefix.size());
    values.push_back(start == std::string::npos ? "" : line.substr(start));
  }
  return values;
}

/// Returns the first value of the text output line "  LABEL: value", or "" when there is none.
inline std::string field(const std::string& text, const std::string& label) {
  const std::vector<std::string> values = fields(text, label);
  return values.empty() ? "" : values.front();
}

/// Checks, one by one, that the text output `text` has each line "  LABEL: value" of
/// `expected`, given as pairs of label and value.
inline void expect_fields(const std::string& text,
                          const std::vector<std::pair<std::string, std::string>>& expected) {
  for (const auto& [label, value] : expected) {
    EXPECT_EQ(field(text, label), value) << "label '" << label << "' in:\n" << text;
  }
}

/// Parses stdout of a --json run. A parse failure is a test failure that shows the whole output.
inline nlohmann::json parse_json(const testing::ProcessResult& result) {
  nlohmann::json document = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_FALSE(document.is_discarded()) << describe(result);
  return document;
}

/// Parses each line of `text`, the output of `outbound batch`, as one JSON document. Throws
/// nlohmann::json::parse_error on a line that is not JSON.
inline std::vector<nlohmann::json> parse_lines(const std::string& text) {
  std::vector<nlohmann::json> documents;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    documents.push_back(nlohmann::json::parse(line));
  }
  return documents;
}

/// Returns `lines` as the input of `outbound batch`: one JSON document a line.
inline std::string batch_input(const std::vector<nlohmann::json>& lines) {
  std::string input;
  for (const nlohmann::json& line : lines) input += line.dump() + "\n";
  return input;
}

/// A line of `outbound batch` input that the command must reject, and a part of the error
/// message it must print for that line.
struct InvalidLine {
  nlohmann::json line;
  std::string message_part;
};

/// Runs `cases` as one `outbound batch` input with the configuration file `config`, and checks
/// that the batch exits with 4 and that the output of each line is an invalid_argument error
/// whose message contains the case's message_part.
inline void expect_invalid_lines(const std::filesystem::path& config,
                                 const std::vector<InvalidLine>& cases) {
  std::string input;
  for (const InvalidLine& invalid : cases) input += invalid.line.dump() + "\n";

  const testing::ProcessResult result = run_cli(with_config(config, {"batch", "-"}), input);

  EXPECT_EQ(result.exit_code, 4) << describe(result);
  const std::vector<nlohmann::json> outputs = parse_lines(result.out);
  ASSERT_EQ(outputs.size(), cases.size()) << result.out;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].line.dump());
    EXPECT_EQ(outputs[i]["ok"], false) << outputs[i].dump();
    EXPECT_EQ(outputs[i]["error"]["code"], "invalid_argument") << outputs[i].dump();
    EXPECT_TRUE(contains(outputs[i]["error"]["message"].get<std::string>(), cases[i].message_part))
        << outputs[i].dump();
  }
}

/// A run of `outbound --json demo`: the process result, its JSON output and that output's steps
/// keyed by their "step" name.
struct JsonDemo {
  testing::ProcessResult result;
  nlohmann::json output;
  std::map<std::string, nlohmann::json> steps;
};

/// Runs `outbound --json demo` with the configuration file `config`. An output that is not a
/// JSON object leaves `steps` empty.
inline JsonDemo run_json_demo(const std::filesystem::path& config) {
  JsonDemo demo;
  demo.result = run_cli(with_config(config, {"--json", "demo"}));
  demo.output = parse_json(demo.result);
  if (!demo.output.is_object()) return demo;
  for (const nlohmann::json& step : demo.output["steps"]) {
    demo.steps[step["step"].get<std::string>()] = step;
  }
  return demo;
}

}  // namespace outbound::cli_testing
