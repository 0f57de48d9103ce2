#include "logging/masker.h"

#include <algorithm>
#include <mutex>
#include <utility>

#include "logging/encodings.h"
#include "logging/shapes.h"
#include "outbound/secret.h"

namespace outbound::logging {
namespace {

static_assert(Masker::kRedacted == Secret::kRedacted,
              "log lines and formatted secrets use the same placeholder");

std::size_t pair_index(char first, char second) {
  return static_cast<std::size_t>(static_cast<unsigned char>(first)) << 8 |
         static_cast<unsigned char>(second);
}

// Orders needles longest first. Equal lengths compare as text, so duplicates are adjacent.
bool longer_first(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() > b.size();
  return a < b;
}

// Replaces each run of overlapping or touching spans with one placeholder.
std::string replace_spans(std::string_view text, std::vector<Span>& spans) {
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::string masked;
  masked.reserve(text.size());
  std::size_t copied_until = 0;
  std::size_t i = 0;
  while (i < spans.size()) {
    const std::size_t begin = spans[i].begin;
    std::size_t end = spans[i].end;
    for (++i; i < spans.size() && spans[i].begin <= end; ++i) end = std::max(end, spans[i].end);
    masked.append(text.substr(copied_until, begin - copied_until));
    masked.append(Masker::kRedacted);
    copied_until = end;
  }
  masked.append(text.substr(copied_until));
  return masked;
}

}  // namespace

Masker::Masker() {
  for (const std::string_view marker : shape_marker_pairs()) {
    start_pairs_.set(pair_index(marker[0], marker[1]));
  }
}

Masker::~Masker() {
  for (std::vector<std::string>& group : needles_) {
    for (std::string& needle : group) secure_wipe(needle);
  }
}

bool Masker::add(std::string_view value) {
  if (value.size() < kMinSecretLength || kRedacted.find(value) != std::string_view::npos) {
    return false;
  }
  std::vector<std::string> forms = encoded_forms(value);
  forms.emplace_back(value);

  std::unique_lock lock(mutex_);
  for (std::string& form : forms) {
    // An encoded form can be shorter than the value (the stable middle of its base64).
    if (form.size() < kMinSecretLength || kRedacted.find(form) != std::string_view::npos) {
      continue;
    }
    std::vector<std::string>& group = needles_[static_cast<unsigned char>(form[0])];
    const auto position = std::lower_bound(group.begin(), group.end(), form, longer_first);
    if (position != group.end() && *position == form) continue;
    start_pairs_.set(pair_index(form[0], form[1]));
    group.insert(position, std::move(form));
    ++needle_count_;
  }
  lock.unlock();

  for (std::string& form : forms) secure_wipe(form);
  return true;
}

std::string Masker::mask(std::string_view text) const {
  std::vector<Span> spans;
  ShapeScanner shapes(text);
  {
    std::shared_lock lock(mutex_);
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
      if (!start_pairs_.test(pair_index(text[i], text[i + 1]))) continue;
      for (const std::string& needle : needles_[static_cast<unsigned char>(text[i])]) {
        if (text.compare(i, needle.size(), needle) == 0) {
          spans.push_back({i, i + needle.size()});
          break;
        }
      }
      shapes.scan_at(i, spans);
    }
  }
  if (spans.empty()) return std::string(text);
  return replace_spans(text, spans);
}

std::size_t Masker::size() const {
  std::shared_lock lock(mutex_);
  return needle_count_;
}

}  // namespace outbound::logging
