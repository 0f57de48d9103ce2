#include "smtp/capabilities.h"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace outbound::smtp {
namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

/// Splits `text` at spaces and tabs, dropping empty tokens.
std::vector<std::string> tokens(std::string_view text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t')) ++at;
    const std::size_t start = at;
    while (at < text.size() && text[at] != ' ' && text[at] != '\t') ++at;
    if (at > start) out.emplace_back(text.substr(start, at - start));
  }
  return out;
}

void add_mechanisms(Capabilities& capabilities, const std::vector<std::string>& words,
                    std::size_t first) {
  for (std::size_t i = first; i < words.size(); ++i) {
    std::string mechanism = upper(words[i]);
    if (!mechanism.empty() && !capabilities.offers_auth(mechanism)) {
      capabilities.auth_mechanisms.push_back(std::move(mechanism));
    }
  }
}

}  // namespace

bool Capabilities::offers_auth(const std::string& mechanism) const {
  return std::find(auth_mechanisms.begin(), auth_mechanisms.end(), mechanism) !=
         auth_mechanisms.end();
}

Capabilities parse_capabilities(const Reply& ehlo_reply) {
  Capabilities capabilities;
  capabilities.extended = true;
  for (std::size_t i = 1; i < ehlo_reply.lines.size(); ++i) {
    const std::vector<std::string> words = tokens(ehlo_reply.lines[i]);
    if (words.empty()) continue;
    const std::string keyword = upper(words.front());
    if (keyword == "STARTTLS") {
      capabilities.starttls = true;
    } else if (keyword == "AUTH") {
      add_mechanisms(capabilities, words, 1);
    } else if (keyword.rfind("AUTH=", 0) == 0) {
      // The pre-standard form "AUTH=LOGIN PLAIN" that some servers still send.
      std::vector<std::string> words_after = words;
      words_after.front() = words.front().substr(5);
      add_mechanisms(capabilities, words_after, 0);
    } else if (keyword == "SIZE") {
      capabilities.size = true;
      if (words.size() > 1 && !words[1].empty() && words[1].size() <= 19 &&
          std::all_of(words[1].begin(), words[1].end(),
                      [](unsigned char c) { return std::isdigit(c) != 0; })) {
        capabilities.max_size = std::stoull(words[1]);
      }
    } else if (keyword == "8BITMIME") {
      capabilities.eight_bit_mime = true;
    } else if (keyword == "SMTPUTF8") {
      capabilities.smtputf8 = true;
    } else if (keyword == "PIPELINING") {
      capabilities.pipelining = true;
    }
  }
  return capabilities;
}

}  // namespace outbound::smtp
