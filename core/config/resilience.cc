#include "config/resilience.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "config/value_checks.h"

namespace outbound::config {
namespace {

/// Durations and counts above this are rejected, so that adding a duration to a clock reading
/// cannot overflow and every count fits an int.
constexpr std::int64_t kMaxValue = std::numeric_limits<std::int32_t>::max();

constexpr std::string_view kDeadlineFix =
    "set a positive number of milliseconds; no call ever runs without a deadline";
constexpr std::string_view kDurationFix = "set a positive number of milliseconds";
constexpr std::string_view kPercentFix = "set a percentage above 0 and at most 100";

enum class Kind {
  /// A whole number of milliseconds.
  kMilliseconds,
  /// A whole number.
  kInteger,
  /// A number above 0 and at most 100.
  kPercent,
  /// A number from 0 to 100.
  kPercentFromZero,
  /// A number of 0 or more.
  kRate,
  /// One string of a fixed list.
  kChoice,
};

struct Rule {
  Kind kind;
  std::int64_t min = 0;
  std::int64_t max = kMaxValue;
  std::vector<std::string> choices;
  std::string_view fix;
};

/// Returns the rule of every leaf, keyed by its pointer relative to the resilience object.
const std::map<std::string, Rule>& leaf_rules() {
  static const std::map<std::string, Rule> rules = {
      {"/timeouts/connect_ms", {Kind::kMilliseconds, 1, kMaxValue, {}, kDeadlineFix}},
      {"/timeouts/attempt_ms", {Kind::kMilliseconds, 1, kMaxValue, {}, kDeadlineFix}},
      {"/timeouts/total_ms", {Kind::kMilliseconds, 1, kMaxValue, {}, kDeadlineFix}},
      {"/retry/max_retries",
       {Kind::kInteger, 0, 10, {}, "set 0 to never retry, or at most 10 retries"}},
      {"/retry/initial_backoff_ms", {Kind::kMilliseconds, 1, kMaxValue, {}, kDurationFix}},
      {"/retry/max_backoff_ms", {Kind::kMilliseconds, 1, kMaxValue, {}, kDurationFix}},
      {"/retry/jitter", {Kind::kChoice, 0, 0, {"full", "equal", "none"}, {}}},
      {"/retry/budget_percent",
       {Kind::kPercentFromZero,
        0,
        100,
        {},
        "set a percentage from 0 to 100; 0 leaves only min_retries_per_second"}},
      {"/retry/min_retries_per_second",
       {Kind::kInteger, 0, kMaxValue, {}, "set 0 for no floor, or a whole number of retries"}},
      {"/circuit_breaker/failure_rate_threshold", {Kind::kPercent, 0, 100, {}, kPercentFix}},
      {"/circuit_breaker/slow_call_ms", {Kind::kMilliseconds, 1, kMaxValue, {}, kDurationFix}},
      {"/circuit_breaker/slow_call_rate_threshold", {Kind::kPercent, 0, 100, {}, kPercentFix}},
      {"/circuit_breaker/minimum_calls", {Kind::kInteger, 1, kMaxValue, {}, "set at least 1 call"}},
      {"/circuit_breaker/window/type", {Kind::kChoice, 0, 0, {"time", "count"}, {}}},
      {"/circuit_breaker/window/size",
       {Kind::kInteger,
        1,
        kMaxValue,
        {},
        "set at least 1: seconds for a time window, calls for a count window"}},
      {"/circuit_breaker/open_ms", {Kind::kMilliseconds, 1, kMaxValue, {}, kDurationFix}},
      {"/circuit_breaker/half_open_calls",
       {Kind::kInteger, 1, kMaxValue, {}, "set at least 1 trial call"}},
      {"/circuit_breaker/half_open_max_wait_ms",
       {Kind::kMilliseconds, 1, kMaxValue, {}, kDurationFix}},
      {"/bulkhead/max_concurrent",
       {Kind::kInteger, 1, kMaxValue, {}, "set at least 1 concurrent call"}},
      {"/bulkhead/max_wait_ms",
       {Kind::kMilliseconds, 0, kMaxValue, {}, "set 0 to reject at once when all slots are busy"}},
      {"/rate_limit/per_second", {Kind::kRate, 0, 0, {}, "set 0 for no limit, or a positive rate"}},
      {"/rate_limit/burst",
       {Kind::kInteger, 0, kMaxValue, {}, "set 0 for the default burst, or a positive count"}},
      {"/rate_limit/max_wait_ms",
       {Kind::kMilliseconds, 0, kMaxValue, {}, "set 0 to reject at once when no token is left"}},
  };
  return rules;
}

/// A relation `lower <= upper` between two values of one resilience object.
struct Relation {
  std::string lower;
  std::string upper;
  std::string_view reason;
};

const std::vector<Relation>& relations() {
  static const std::vector<Relation> list = {
      {"/timeouts/connect_ms", "/timeouts/attempt_ms", "connecting is part of an attempt"},
      {"/timeouts/attempt_ms", "/timeouts/total_ms", "every attempt is part of the call"},
      {"/retry/initial_backoff_ms", "/retry/max_backoff_ms",
       "the backoff starts at initial_backoff_ms and grows up to max_backoff_ms"},
  };
  return list;
}

std::string expected_type(Kind kind) {
  switch (kind) {
    case Kind::kMilliseconds:
      return "an integer number of milliseconds";
    case Kind::kInteger:
      return "an integer";
    case Kind::kPercent:
    case Kind::kPercentFromZero:
      return "a number (a percentage)";
    default:
      return "a number";
  }
}

std::string last_token(const std::string& pointer) {
  return pointer.substr(pointer.rfind('/') + 1);
}

/// Returns the message for a number outside the rule's range.
std::string range_problem(const Rule& rule, const Json& value, bool below) {
  const std::string unit = rule.kind == Kind::kMilliseconds ? " ms" : "";
  std::string range;
  if (rule.max != kMaxValue) {
    range = "between " + std::to_string(rule.min) + " and " + std::to_string(rule.max);
  } else if (below) {
    range = "at least " + std::to_string(rule.min);
  } else {
    range = "at most " + std::to_string(rule.max);
  }
  return "must be " + range + unit + ", got " + value.dump();
}

/// Returns the whole number in `value`, or records why it is not one within the rule's range.
std::optional<std::int64_t> read_whole_number(const Json& value, const std::string& pointer,
                                              const Rule& rule, const nlohmann::json& example,
                                              Diagnostics& diagnostics) {
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::trunc(number) != number) {
      diagnostics.error(pointer, value.dump() + " is not a whole number",
                        "write " + expected_type(rule.kind) + ", as in " + example.dump());
      return std::nullopt;
    }
    if (number < static_cast<double>(rule.min) || number > static_cast<double>(rule.max)) {
      diagnostics.error(pointer, range_problem(rule, value, number < static_cast<double>(rule.min)),
                        rule.fix);
      return std::nullopt;
    }
    return static_cast<std::int64_t>(number);
  }
  if (value.is_number_unsigned() &&
      value.get<std::uint64_t>() > static_cast<std::uint64_t>(rule.max)) {
    diagnostics.error(pointer, range_problem(rule, value, false), rule.fix);
    return std::nullopt;
  }
  const auto number = value.get<std::int64_t>();
  if (number < rule.min || number > rule.max) {
    diagnostics.error(pointer, range_problem(rule, value, number < rule.min), rule.fix);
    return std::nullopt;
  }
  return number;
}

/// Returns the checked value of one leaf in canonical form, or records why it is invalid.
std::optional<nlohmann::json> read_leaf(const Json& value, const std::string& pointer,
                                        const Rule& rule, const nlohmann::json& example,
                                        const ReferenceResolver& resolver,
                                        Diagnostics& diagnostics) {
  if (rule.kind == Kind::kChoice) {
    auto choice = read_choice(value, pointer, rule.choices, resolver, diagnostics);
    if (!choice) return std::nullopt;
    return nlohmann::json(*choice);
  }
  if (!value.is_number()) {
    diagnostics.error(pointer,
                      "expected " + expected_type(rule.kind) + ", got " + describe_value(value),
                      "write a number without quotes, as in " + example.dump());
    return std::nullopt;
  }
  if (rule.kind == Kind::kMilliseconds || rule.kind == Kind::kInteger) {
    auto number = read_whole_number(value, pointer, rule, example, diagnostics);
    if (!number) return std::nullopt;
    return nlohmann::json(*number);
  }

  const double number = value.get<double>();
  if (rule.kind == Kind::kPercent && (number <= 0 || number > 100)) {
    diagnostics.error(pointer, "must be above 0 and at most 100, got " + value.dump(), rule.fix);
    return std::nullopt;
  }
  if (rule.kind == Kind::kPercentFromZero && (number < 0 || number > 100)) {
    diagnostics.error(pointer, "must be between 0 and 100, got " + value.dump(), rule.fix);
    return std::nullopt;
  }
  if (rule.kind == Kind::kRate && number < 0) {
    diagnostics.error(pointer, "must be 0 or more, got " + value.dump(), rule.fix);
    return std::nullopt;
  }
  return nlohmann::json(number);
}

/// The state of merging one layer.
struct Layer {
  std::string pointer;
  const ReferenceResolver& resolver;
  Diagnostics& diagnostics;
  MergedResilience& merged;
  /// Relative pointers whose value in this layer was rejected.
  std::set<std::string> rejected;
};

std::vector<std::string> keys_of(const nlohmann::json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

void merge_object(const Json& overrides, const nlohmann::json& schema, const std::string& relative,
                  const std::string& absolute, Layer& layer) {
  check_keys(overrides, absolute, keys_of(schema), layer.diagnostics);
  for (const auto& [key, value] : overrides.items()) {
    const auto known = schema.find(key);
    if (known == schema.end()) continue;
    const std::string child_relative = append_pointer(relative, key);
    const std::string child_absolute = append_pointer(absolute, key);

    if (known->is_object()) {
      const auto first = known->begin();
      const std::string example = "{\"" + first.key() + "\": " + first.value().dump() + "}";
      if (!expect_object(value, child_absolute, example, layer.diagnostics)) continue;
      merge_object(value, *known, child_relative, child_absolute, layer);
      continue;
    }

    const Rule& rule = leaf_rules().at(child_relative);
    auto checked =
        read_leaf(value, child_absolute, rule, *known, layer.resolver, layer.diagnostics);
    if (!checked) {
      layer.rejected.insert(child_relative);
      continue;
    }
    layer.merged.values.at(nlohmann::json::json_pointer(child_relative)) = std::move(*checked);
    layer.merged.origins[child_relative] = child_absolute;
  }
}

std::string describe_origin(const MergedResilience& merged, const std::string& relative) {
  const auto origin = merged.origins.find(relative);
  if (origin == merged.origins.end()) return "the built-in default";
  return "set at " + origin->second;
}

void check_relations(Layer& layer) {
  const std::string prefix = layer.pointer + "/";
  for (const auto& relation : relations()) {
    if (layer.rejected.count(relation.lower) > 0 || layer.rejected.count(relation.upper) > 0) {
      continue;
    }
    const auto& values = layer.merged.values;
    const auto lower = values.at(nlohmann::json::json_pointer(relation.lower)).get<std::int64_t>();
    const auto upper = values.at(nlohmann::json::json_pointer(relation.upper)).get<std::int64_t>();
    if (lower <= upper) continue;

    // Report only relations this layer touched; an earlier layer reported its own.
    const auto set_here = [&](const std::string& relative) {
      const auto origin = layer.merged.origins.find(relative);
      return origin != layer.merged.origins.end() && origin->second.rfind(prefix, 0) == 0;
    };
    const bool lower_here = set_here(relation.lower);
    if (!lower_here && !set_here(relation.upper)) continue;

    const std::string lower_name = last_token(relation.lower);
    const std::string upper_name = last_token(relation.upper);
    const std::string& at = lower_here ? relation.lower : relation.upper;
    const std::string& other = lower_here ? relation.upper : relation.lower;
    layer.diagnostics.error(
        layer.merged.origins.at(at),
        lower_name + " " + std::to_string(lower) + " exceeds " + upper_name + " " +
            std::to_string(upper) + " (" + last_token(other) + " is " +
            describe_origin(layer.merged, other) + ")",
        std::string(relation.reason) + ", so make " + lower_name + " at most " + upper_name);
  }
}

std::chrono::milliseconds milliseconds_at(const nlohmann::json& values, const char* pointer) {
  return std::chrono::milliseconds(
      values.at(nlohmann::json::json_pointer(pointer)).get<std::int64_t>());
}

int int_at(const nlohmann::json& values, const char* pointer) {
  return static_cast<int>(values.at(nlohmann::json::json_pointer(pointer)).get<std::int64_t>());
}

double double_at(const nlohmann::json& values, const char* pointer) {
  return values.at(nlohmann::json::json_pointer(pointer)).get<double>();
}

std::string string_at(const nlohmann::json& values, const char* pointer) {
  return values.at(nlohmann::json::json_pointer(pointer)).get<std::string>();
}

const char* jitter_name(Jitter jitter) {
  switch (jitter) {
    case Jitter::kFull:
      return "full";
    case Jitter::kEqual:
      return "equal";
    case Jitter::kNone:
      return "none";
  }
  return "full";
}

}  // namespace

MergedResilience builtin_resilience() {
  // The defaults of the structs in config.h are the one source of the built-in values.
  const Resilience defaults;
  const auto& breaker = defaults.circuit_breaker;
  MergedResilience merged;
  merged.values = {
      {"timeouts",
       {{"connect_ms", defaults.timeouts.connect.count()},
        {"attempt_ms", defaults.timeouts.attempt.count()},
        {"total_ms", defaults.timeouts.total.count()}}},
      {"retry",
       {{"max_retries", std::int64_t{defaults.retry.max_retries}},
        {"initial_backoff_ms", defaults.retry.initial_backoff.count()},
        {"max_backoff_ms", defaults.retry.max_backoff.count()},
        {"jitter", jitter_name(defaults.retry.jitter)},
        {"budget_percent", defaults.retry.budget_percent},
        {"min_retries_per_second", std::int64_t{defaults.retry.min_retries_per_second}}}},
      {"circuit_breaker",
       {{"failure_rate_threshold", breaker.failure_rate_threshold},
        {"slow_call_ms", breaker.slow_call.count()},
        {"slow_call_rate_threshold", breaker.slow_call_rate_threshold},
        {"minimum_calls", std::int64_t{breaker.minimum_calls}},
        {"window",
         {{"type", breaker.window.type == WindowPolicy::Type::kTime ? "time" : "count"},
          {"size", std::int64_t{breaker.window.size}}}},
        {"open_ms", breaker.open.count()},
        {"half_open_calls", std::int64_t{breaker.half_open_calls}},
        {"half_open_max_wait_ms", breaker.half_open_max_wait.count()}}},
      {"bulkhead",
       {{"max_concurrent", std::int64_t{defaults.bulkhead.max_concurrent}},
        {"max_wait_ms", defaults.bulkhead.max_wait.count()}}},
      {"rate_limit",
       {{"per_second", defaults.rate_limit.per_second},
        {"burst", std::int64_t{defaults.rate_limit.burst}},
        {"max_wait_ms", defaults.rate_limit.max_wait.count()}}},
  };
  return merged;
}

void merge_resilience(const Json& overrides, std::string_view pointer,
                      const ReferenceResolver& resolver, Diagnostics& diagnostics,
                      MergedResilience& merged) {
  Layer layer{std::string(pointer), resolver, diagnostics, merged, {}};
  if (!expect_object(overrides, layer.pointer, "{\"timeouts\": {\"total_ms\": 30000}}",
                     diagnostics)) {
    return;
  }
  const nlohmann::json schema = builtin_resilience().values;
  merge_object(overrides, schema, "", layer.pointer, layer);
  check_relations(layer);
}

Resilience to_resilience(const MergedResilience& merged) {
  const nlohmann::json& values = merged.values;
  Resilience resilience;
  resilience.timeouts.connect = milliseconds_at(values, "/timeouts/connect_ms");
  resilience.timeouts.attempt = milliseconds_at(values, "/timeouts/attempt_ms");
  resilience.timeouts.total = milliseconds_at(values, "/timeouts/total_ms");

  resilience.retry.max_retries = int_at(values, "/retry/max_retries");
  resilience.retry.initial_backoff = milliseconds_at(values, "/retry/initial_backoff_ms");
  resilience.retry.max_backoff = milliseconds_at(values, "/retry/max_backoff_ms");
  const std::string jitter = string_at(values, "/retry/jitter");
  resilience.retry.jitter = jitter == "full"    ? Jitter::kFull
                            : jitter == "equal" ? Jitter::kEqual
                                                : Jitter::kNone;
  resilience.retry.budget_percent = double_at(values, "/retry/budget_percent");
  resilience.retry.min_retries_per_second = int_at(values, "/retry/min_retries_per_second");

  auto& breaker = resilience.circuit_breaker;
  breaker.failure_rate_threshold = double_at(values, "/circuit_breaker/failure_rate_threshold");
  breaker.slow_call = milliseconds_at(values, "/circuit_breaker/slow_call_ms");
  breaker.slow_call_rate_threshold = double_at(values, "/circuit_breaker/slow_call_rate_threshold");
  breaker.minimum_calls = int_at(values, "/circuit_breaker/minimum_calls");
  breaker.window.type = string_at(values, "/circuit_breaker/window/type") == "count"
                            ? WindowPolicy::Type::kCount
                            : WindowPolicy::Type::kTime;
  breaker.window.size = int_at(values, "/circuit_breaker/window/size");
  breaker.open = milliseconds_at(values, "/circuit_breaker/open_ms");
  breaker.half_open_calls = int_at(values, "/circuit_breaker/half_open_calls");
  breaker.half_open_max_wait = milliseconds_at(values, "/circuit_breaker/half_open_max_wait_ms");

  resilience.bulkhead.max_concurrent = int_at(values, "/bulkhead/max_concurrent");
  resilience.bulkhead.max_wait = milliseconds_at(values, "/bulkhead/max_wait_ms");
  resilience.rate_limit.per_second = double_at(values, "/rate_limit/per_second");
  resilience.rate_limit.burst = int_at(values, "/rate_limit/burst");
  resilience.rate_limit.max_wait = milliseconds_at(values, "/rate_limit/max_wait_ms");

  resilience.canonical_json = values.dump();
  return resilience;
}

}  // namespace outbound::config
