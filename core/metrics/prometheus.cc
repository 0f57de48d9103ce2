#include <array>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "outbound/metrics_snapshot.h"

namespace outbound {
namespace {

/// Descriptions for the # HELP lines of the instruments the host, its pipelines and its HTTP
/// transport record. Other instruments get no # HELP line.
std::string_view help_for(std::string_view name) {
  static const std::map<std::string_view, std::string_view> kHelp = {
      {"outbound.client.calls", "Logical calls through a hosted client, counted when they end."},
      {"outbound.client.failures", "Logical calls that ended with an error."},
      {"outbound.client.rejections",
       "Calls and retries the host rejected before they reached the plugin, by reason."},
      {"outbound.client.retries", "Retries started after a failed attempt."},
      {"outbound.client.call.duration",
       "Duration of logical calls, every attempt and backoff included."},
      {"outbound.circuit_breaker.transitions", "Circuit breaker state changes, by the new state."},
      {"outbound.circuit_breaker.state",
       "Circuit breaker state when the metrics were read: 0 closed, 1 open, 2 half-open."},
      {"outbound.async.queue.duration",
       "Time async calls waited in the host's thread pool queue before they started."},
      {"outbound.async.queue.size", "Async calls waiting in the host's thread pool queue."},
      {"outbound.async.handler.exceptions",
       "Exceptions thrown by async completion handlers, caught by the host."},
      {"http.client.request.duration", "Duration of HTTP client requests."},
      {"http.client.open_connections", "HTTP connections the transport holds open."},
  };
  auto found = kHelp.find(name);
  return found == kHelp.end() ? std::string_view() : found->second;
}

bool valid_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':';
}

/// Replaces every character Prometheus does not allow in a name by '_'.
std::string sanitize(std::string_view name) {
  std::string text;
  text.reserve(name.size() + 1);
  if (!name.empty() && name.front() >= '0' && name.front() <= '9') text += '_';
  for (char c : name) text += valid_name_char(c) ? c : '_';
  return text;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// Returns the exported base name: sanitised, with "_seconds" for durations.
std::string base_name(std::string_view name) {
  std::string text = sanitize(name);
  if ((ends_with(name, ".duration") || name == "duration") && !ends_with(text, "_seconds")) {
    text += "_seconds";
  }
  return text;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::array<char, 32> buffer{};
  auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (error != std::errc()) return "NaN";
  return std::string(buffer.data(), end);
}

void append_escaped(std::string& out, std::string_view value, bool quote) {
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

/// Appends `{name="value",...}`, with `le` last when given, or nothing for no labels.
void append_labels(std::string& out, const MetricAttributes& attributes,
                   const std::string* le = nullptr) {
  if (attributes.empty() && !le) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : attributes) {
    if (!first) out += ',';
    first = false;
    out += sanitize(name);
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  }
  if (le) {
    if (!first) out += ',';
    out += "le=\"";
    out += *le;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, const std::string& name, const MetricAttributes& attributes,
                   double value, const std::string* le = nullptr) {
  out += name;
  append_labels(out, attributes, le);
  out += ' ';
  out += format_number(value);
  out += '\n';
}

/// One metric family of the output: its # HELP and # TYPE lines and its samples.
struct Family {
  std::string_view help;
  std::string_view type;
  std::string samples;
};

Family& family_for(std::map<std::string, Family>& families, const std::string& exported,
                   std::string_view name, std::string_view type) {
  Family& family = families[exported];
  if (family.type.empty()) {
    family.type = type;
    family.help = help_for(name);
  }
  return family;
}

void append_histogram(std::string& out, const std::string& exported, const HistogramPoint& point) {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < point.bounds.size(); ++i) {
    if (i < point.counts.size()) cumulative += point.counts[i];
    const std::string le = format_number(point.bounds[i]);
    append_sample(out, exported + "_bucket", point.attributes, static_cast<double>(cumulative),
                  &le);
  }
  const std::string infinity = "+Inf";
  append_sample(out, exported + "_bucket", point.attributes, static_cast<double>(point.count),
                &infinity);
  append_sample(out, exported + "_sum", point.attributes, point.sum);
  append_sample(out, exported + "_count", point.attributes, static_cast<double>(point.count));
}

}  // namespace

std::string to_prometheus_text(const MetricsSnapshot& snapshot) {
  // A counter is exported as a counter only when every one of its series is monotonic.
  std::set<std::string_view> up_down;
  for (const auto& counter : snapshot.counters) {
    if (!counter.monotonic) up_down.insert(counter.name);
  }

  // NOTE: two names that sanitise alike ("a.b" and "a_b") share one family, and so do a
  // counter and a gauge of one name. The output then mixes their samples under one # TYPE.
  std::map<std::string, Family> families;
  for (const auto& counter : snapshot.counters) {
    const bool monotonic = up_down.count(counter.name) == 0;
    std::string exported = base_name(counter.name);
    if (monotonic && !ends_with(exported, "_total")) exported += "_total";
    Family& family = family_for(families, exported, counter.name, monotonic ? "counter" : "gauge");
    append_sample(family.samples, exported, counter.attributes, counter.value);
  }
  for (const auto& gauge : snapshot.gauges) {
    const std::string exported = base_name(gauge.name);
    Family& family = family_for(families, exported, gauge.name, "gauge");
    append_sample(family.samples, exported, gauge.attributes, gauge.value);
  }
  for (const auto& point : snapshot.histograms) {
    const std::string exported = base_name(point.name);
    Family& family = family_for(families, exported, point.name, "histogram");
    append_histogram(family.samples, exported, point);
  }

  std::string out;
  for (const auto& [exported, family] : families) {
    if (!family.help.empty()) {
      out += "# HELP " + exported + ' ';
      append_escaped(out, family.help, false);
      out += '\n';
    }
    out += "# TYPE " + exported + ' ' + std::string(family.type) + '\n';
    out += family.samples;
  }
  return out;
}

}  // namespace outbound
