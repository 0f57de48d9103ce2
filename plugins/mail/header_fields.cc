#include "mail/header_fields.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <vector>

#include "mail/text.h"

namespace outbound::mail {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// Positions where a CRLF may go: the first space or tab of a run that follows text and that has
// text after it, past the field name, and outside quoted-strings in a structured field.
std::vector<std::size_t> fold_points(std::string_view line, std::size_t name_length,
                                     FieldSyntax syntax) {
  std::vector<std::size_t> points;
  std::size_t last_text = line.size();
  while (last_text > 0 && is_wsp(line[last_text - 1])) --last_text;
  bool quoted = false;
  for (std::size_t i = name_length + 1; i < last_text; ++i) {
    const char c = line[i];
    if (syntax == FieldSyntax::kStructured) {
      if (quoted && c == '\\') {
        ++i;  // A quoted-pair: the next character is literal.
        continue;
      }
      if (c == '"') quoted = !quoted;
    }
    if (!quoted && is_wsp(c) && !is_wsp(line[i - 1])) points.push_back(i);
  }
  return points;
}

}  // namespace

std::string fold_field(std::string_view name, std::string_view value, std::size_t width,
                       FieldSyntax syntax) {
  std::string line(name);
  line += ':';
  if (!value.empty()) {
    line += ' ';
    line += value;
  }
  std::vector<std::size_t> points = fold_points(line, name.size(), syntax);
  points.push_back(line.size());

  std::string folded;
  std::size_t start = 0;
  std::size_t candidate = std::string::npos;
  std::size_t k = 0;
  while (k < points.size()) {
    const std::size_t point = points[k];
    if (point - start > width && candidate != std::string::npos) {
      // The text up to `point` does not fit: break at the last point that did.
      folded.append(line, start, candidate - start);
      folded += "\r\n";
      start = candidate;
      candidate = std::string::npos;
      continue;
    }
    candidate = point;
    ++k;
  }
  folded.append(line, start, std::string::npos);
  folded += "\r\n";
  return folded;
}

bool valid_field_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxFieldName) return false;
  for (char c : name) {
    if (c < 33 || c > 126 || c == ':') return false;
  }
  return true;
}

bool reserved_field_name(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kReserved = {
      "from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version"};
  const std::string lowered = ascii_lower(name);
  if (lowered.rfind("content-", 0) == 0) return true;
  for (std::string_view reserved : kReserved) {
    if (lowered == reserved) return true;
  }
  return false;
}

std::string format_date(std::chrono::system_clock::time_point time) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // Whole seconds, rounded down also before 1970.
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time.time_since_epoch());
  const std::time_t stamp = static_cast<std::time_t>(seconds.count());
  std::tm fields{};
  gmtime_r(&stamp, &fields);
  char text[40];
  std::snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays[static_cast<std::size_t>(fields.tm_wday)], fields.tm_mday,
                kMonths[static_cast<std::size_t>(fields.tm_mon)], fields.tm_year + 1900,
                fields.tm_hour, fields.tm_min, fields.tm_sec);
  return text;
}

}  // namespace outbound::mail
