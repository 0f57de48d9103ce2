#pragma once

#include <string>

#include <Poco/Net/Context.h>

#include "outbound/status.h"

namespace outbound::smtp {

/// Makes the TLS client context for connections to `host`. It accepts TLS 1.2 or newer and
/// trusts the CAs of `ca_file` (a PEM bundle), or of the system store when it is empty.
/// OpenSSL verifies the certificate chain and `host` (a DNS name or IP address) during the
/// handshake.
///
/// A failed check always fails the handshake. The context uses OpenSSL's own verification
/// result, not Poco's callback. That callback asks the invalid-certificate handler installed in
/// Poco's process-wide SSLManager, which some applications set to a console prompt or to accept
/// everything. So the behaviour is that of Poco's RejectCertificateHandler, whatever the rest of
/// the process configured. Returns kInvalidArgument naming /ca_file when the bundle cannot be
/// loaded.
Result<Poco::Net::Context::Ptr> make_tls_context(const std::string& host,
                                                 const std::string& ca_file);

/// Returns the name to send as SNI for `host`: the host itself, or empty for an IP address,
/// which SNI cannot carry (RFC 6066 section 3).
std::string server_name_for(const std::string& host);

}  // namespace outbound::smtp
