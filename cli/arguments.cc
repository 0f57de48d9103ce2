#include "arguments.h"

#include <algorithm>

#include "outbound/near_miss.h"

namespace outbound::cli {

std::optional<std::string> ParsedArguments::value(const std::string& name) const {
  auto found = options.find(name);
  if (found == options.end() || found->second.empty()) return std::nullopt;
  return found->second.back();
}

std::vector<std::string> ParsedArguments::values(const std::string& name) const {
  auto found = options.find(name);
  if (found == options.end()) return {};
  return found->second;
}

Result<ParsedArguments> parse_arguments(const std::vector<std::string>& arguments,
                                        const std::vector<OptionSpec>& specs) {
  ParsedArguments parsed;
  bool only_positionals = false;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (only_positionals || argument == "-" || argument.rfind("--", 0) != 0) {
      if (!only_positionals && argument.size() > 1 && argument[0] == '-' && argument != "-") {
        return Status::invalid_argument("unknown option '" + argument +
                                        "'; options are spelled --name");
      }
      parsed.positionals.push_back(argument);
      continue;
    }
    if (argument == "--") {
      only_positionals = true;
      continue;
    }
    std::string name = argument.substr(2);
    std::optional<std::string> inline_value;
    if (auto equals = name.find('='); equals != std::string::npos) {
      inline_value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (name == "help") {
      parsed.options["help"].push_back("");
      continue;
    }
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const OptionSpec& candidate) { return candidate.name == name; });
    if (spec == specs.end()) {
      std::string known;
      std::vector<std::string> names;
      for (const auto& candidate : specs) {
        known += " --" + candidate.name;
        names.push_back(candidate.name);
      }
      const std::optional<std::string> near = suggest_near_miss(name, names);
      return Status::invalid_argument(
          "unknown option '--" + name + "'" +
          (near            ? "; did you mean --" + *near + "? Valid options:" + known
           : known.empty() ? "; this command takes no options"
                           : "; valid options:" + known));
    }
    if (!spec->repeatable && parsed.has(name)) {
      return Status::invalid_argument("option '--" + name + "' is given twice; give it once");
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < arguments.size()) {
        value = arguments[++i];
      } else {
        return Status::invalid_argument("option '--" + name + "' needs a value");
      }
    } else if (inline_value) {
      return Status::invalid_argument("option '--" + name + "' takes no value");
    }
    parsed.options[name].push_back(std::move(value));
  }
  return parsed;
}

}  // namespace outbound::cli
