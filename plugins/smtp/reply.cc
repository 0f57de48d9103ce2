#include "smtp/reply.h"

#include <utility>

namespace outbound::smtp {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

/// Returns the length of an RFC 3463 enhanced status code ("5.1.1", "4.7.12") at the start of
/// `text` whose class is `reply_class`, followed by a space or the end; 0 when there is none.
std::size_t enhanced_code_length(std::string_view text, char reply_class) {
  if (text.size() < 5 || text[0] != reply_class || text[1] != '.') return 0;
  std::size_t at = 2;
  for (int part = 0; part < 2; ++part) {
    const std::size_t start = at;
    while (at < text.size() && digit(text[at]) && at - start < 3) ++at;
    if (at == start) return 0;
    if (part == 0) {
      if (at >= text.size() || text[at] != '.') return 0;
      ++at;
    }
  }
  if (at < text.size() && text[at] != ' ') return 0;
  return at;
}

/// Replaces control characters with '?', so that a server's text cannot forge log lines.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && byte != '\t') || byte == 0x7f) c = '?';
  }
  return out;
}

}  // namespace

std::string Reply::text() const {
  std::string joined;
  for (const std::string& line : lines) {
    if (line.empty()) continue;
    if (!joined.empty()) joined += "; ";
    joined += line;
  }
  return joined;
}

std::string Reply::summary() const {
  std::string first = std::to_string(code);
  if (!enhanced_code.empty()) first += " " + enhanced_code;
  if (!lines.empty() && !lines.front().empty()) first += " " + lines.front();
  return first;
}

ReplyParser::Step ReplyParser::feed(std::string_view input) {
  if (state_ == State::kError) return {State::kError, 0};
  if (state_ == State::kComplete) return {State::kComplete, 0};
  std::size_t used = 0;
  while (used < input.size()) {
    const std::string_view rest = input.substr(used);
    const std::size_t newline = rest.find('\n');
    const std::size_t piece = newline == std::string_view::npos ? rest.size() : newline;
    if (line_.size() + piece > kMaxLineOctets) {
      fail("a reply line is longer than " + std::to_string(kMaxLineOctets) + " octets");
      return {State::kError, used};
    }
    line_.append(rest.substr(0, piece));
    if (newline == std::string_view::npos) {
      used = input.size();
      break;
    }
    used += piece + 1;
    std::string line = std::move(line_);
    line_.clear();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!parse_line(line)) return {State::kError, used};
    if (complete_) {
      state_ = State::kComplete;
      return {State::kComplete, used};
    }
  }
  return {State::kNeedMore, used};
}

bool ReplyParser::parse_line(std::string_view line) {
  const bool shaped = line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' &&
                      line[1] <= '5' && digit(line[2]) &&
                      (line.size() == 3 || line[3] == ' ' || line[3] == '-');
  if (!shaped) {
    return fail("the server sent \"" + printable(line.substr(0, 80)) +
                "\", which is not an SMTP reply line");
  }
  const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (reply_.lines.empty()) {
    reply_.code = code;
  } else if (code != reply_.code) {
    return fail("a multi-line reply changed its code from " + std::to_string(reply_.code) + " to " +
                std::to_string(code));
  }
  if (reply_.lines.size() >= kMaxLines) {
    return fail("a reply has more than " + std::to_string(kMaxLines) + " lines");
  }
  std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view();
  if (reply_.lines.empty()) {
    const std::size_t length = enhanced_code_length(text, line[0]);
    if (length > 0) reply_.enhanced_code = std::string(text.substr(0, length));
  }
  if (!reply_.enhanced_code.empty() &&
      text.substr(0, reply_.enhanced_code.size()) == reply_.enhanced_code) {
    text.remove_prefix(reply_.enhanced_code.size());
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  }
  reply_.lines.push_back(printable(text));
  complete_ = line.size() == 3 || line[3] == ' ';
  return true;
}

bool ReplyParser::fail(std::string message) {
  state_ = State::kError;
  error_ = std::move(message);
  return false;
}

Reply ReplyParser::take() {
  Reply reply = std::move(reply_);
  reply_ = Reply();
  complete_ = false;
  state_ = State::kNeedMore;
  return reply;
}

void ReplyParser::reset() {
  state_ = State::kNeedMore;
  line_.clear();
  reply_ = Reply();
  complete_ = false;
  error_.clear();
}

}  // namespace outbound::smtp
