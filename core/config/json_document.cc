#include "config/json_document.h"

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "outbound/secret.h"

namespace outbound::config {
namespace {

/// One open object or array while parsing, to build the pointer of a duplicate key.
struct OpenContainer {
  bool is_object = false;
  std::set<std::string> keys;
  std::string current_key;
  std::size_t next_index = 0;
};

std::string pointer_of(const std::vector<OpenContainer>& open, std::size_t count) {
  std::string pointer;
  for (std::size_t i = 0; i < count; ++i) {
    const auto& container = open[i];
    pointer = append_pointer(pointer, container.is_object ? container.current_key
                                                          : std::to_string(container.next_index));
  }
  return pointer;
}

/// Parser callback that finds what nlohmann-json accepts silently: a repeated key, which it
/// resolves by keeping the last value, and nesting too deep for the recursive walks.
class StructureChecker {
 public:
  explicit StructureChecker(Diagnostics& diagnostics) : diagnostics_(diagnostics) {}

  bool operator()(int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
      case Json::parse_event_t::array_start:
        if (open_.size() >= static_cast<std::size_t>(kMaxJsonDepth) && !reported_depth_) {
          reported_depth_ = true;
          diagnostics_.error(
              pointer_of(open_, open_.size()),
              "objects and arrays nest deeper than " + std::to_string(kMaxJsonDepth) + " levels",
              "flatten the value");
        }
        open_.push_back({event == Json::parse_event_t::object_start, {}, {}, 0});
        break;
      case Json::parse_event_t::key:
        on_key(parsed.get<std::string>());
        break;
      case Json::parse_event_t::object_end:
      case Json::parse_event_t::array_end:
        if (!open_.empty()) open_.pop_back();
        on_value_done();
        break;
      case Json::parse_event_t::value:
        on_value_done();
        break;
    }
    return true;
  }

 private:
  void on_key(const std::string& key) {
    if (open_.empty()) return;
    auto& object = open_.back();
    object.current_key = key;
    if (!object.keys.insert(key).second) {
      diagnostics_.error(pointer_of(open_, open_.size()),
                         "duplicate key \"" + printable(key) + "\" in the same object",
                         "keep one of the entries; JSON parsers disagree on which one wins");
    }
  }

  void on_value_done() {
    if (!open_.empty() && !open_.back().is_object) ++open_.back().next_index;
  }

  Diagnostics& diagnostics_;
  std::vector<OpenContainer> open_;
  bool reported_depth_ = false;
};

/// Returns the parser's message without its "last read" part, which quotes the text around the
/// error and so could quote a credential.
std::string without_last_read(std::string message) {
  const std::size_t last_read = message.find("; last read: '");
  if (last_read == std::string::npos) return message;
  const std::size_t expected = message.rfind("'; expected ");
  std::string tail;
  if (expected != std::string::npos && expected > last_read) tail = message.substr(expected + 1);
  message.resize(last_read);
  return message + tail;
}

/// Returns "line L, column C" of the byte at `offset`, both counted from 1 and columns in
/// bytes. nlohmann-json reports column 0 for a character that ends a line, so the position is
/// computed here from the byte count it reports.
std::string line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t line_start = before.rfind('\n');
  const std::size_t column =
      line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

void record_syntax_error(std::string_view text, const nlohmann::json::exception& error,
                         Diagnostics& diagnostics) {
  std::string message = error.what();
  // Drop the "[json.exception.parse_error.101] " prefix.
  if (const std::size_t bracket = message.find("] "); bracket != std::string::npos) {
    message.erase(0, bracket + 2);
  }
  std::string location = "(document)";
  if (const auto* parse_error = dynamic_cast<const nlohmann::json::parse_error*>(&error)) {
    // `byte` counts the characters read, the one at fault included.
    location = line_and_column(text, parse_error->byte > 0 ? parse_error->byte - 1 : 0);
    // Drop nlohmann-json's own "parse error at line L, column C: ".
    const std::size_t at = message.find(" at line ");
    const std::size_t colon = at == std::string::npos ? at : message.find(": ", at);
    if (colon != std::string::npos) message.erase(0, colon + 2);
  }
  diagnostics.error_at(location, "invalid JSON: " + without_last_read(std::move(message)),
                       "correct the syntax at that position; JSON allows no comments (use "
                       "\"_comment\" keys) and no trailing commas");
}

}  // namespace

std::optional<Json> parse_document(std::string_view text, Diagnostics& diagnostics) {
  StructureChecker checker(diagnostics);
  try {
    return Json::parse(text.begin(), text.end(), std::ref(checker));
  } catch (const nlohmann::json::exception& error) {
    record_syntax_error(text, error, diagnostics);
    return std::nullopt;
  }
}

void wipe_strings(Json& document) {
  std::vector<Json*> pending{&document};
  while (!pending.empty()) {
    Json* value = pending.back();
    pending.pop_back();
    if (value->is_string()) {
      secure_wipe(value->get_ref<std::string&>());
    } else if (value->is_structured()) {
      for (auto& child : *value) pending.push_back(&child);
    }
  }
}

std::string describe_value(const Json& value) {
  switch (value.type()) {
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Json::value_t::null:
      return "null";
    default:
      return value.dump();
  }
}

}  // namespace outbound::config
