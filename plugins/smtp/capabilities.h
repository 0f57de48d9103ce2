#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "smtp/reply.h"

namespace outbound::smtp {

/// Capabilities are the SMTP service extensions a server listed in its EHLO reply (RFC 5321
/// section 4.1.1.1), as far as this client uses them.
struct Capabilities {
  /// Whether the reply came from EHLO; after a HELO fallback every extension is absent.
  bool extended = false;
  bool starttls = false;
  /// The SASL mechanisms after AUTH (or the old form AUTH=), upper-cased, one per token.
  std::vector<std::string> auth_mechanisms;
  bool size = false;
  /// The SIZE limit in octets (RFC 1870); 0 when the server gave none.
  std::uint64_t max_size = 0;
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool pipelining = false;

  /// Whether `mechanism` ("PLAIN") is among auth_mechanisms.
  bool offers_auth(const std::string& mechanism) const;
};

/// Reads the extensions from an EHLO reply: every line after the first is a keyword with
/// optional parameters, compared without regard to case. Unknown keywords are ignored.
Capabilities parse_capabilities(const Reply& ehlo_reply);

}  // namespace outbound::smtp
