#include "smtp/tls.h"

#include "net/tls_handshake.h"
#include "outbound/setting_problems.h"

#include <mutex>

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetSSL.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace outbound::smtp {

Result<Poco::Net::Context::Ptr> make_tls_context(const std::string& host,
                                                 const std::string& ca_file) {
  static std::once_flag initialized;
  std::call_once(initialized, [] { Poco::Net::initializeSSL(); });
  using Poco::Net::Context;
  Context::Params params;
  params.verificationMode = Context::VERIFY_STRICT;
  params.loadDefaultCAs = ca_file.empty();
  params.caLocation = ca_file;
  params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES";
  Context::Ptr context;
  try {
    context = new Context(Context::TLS_CLIENT_USE, params);
  } catch (const Poco::Exception& error) {
    // A settings problem like the others, so that the host names it by its full pointer.
    SettingProblems problems;
    problems.add("/ca_file", "the CA bundle " + ca_file + " cannot be loaded (" +
                                 error.displayText() + "); give a PEM file of CA certificates");
    return problems.status();
  }
  context->requireMinimumProtocol(Context::PROTO_TLSV1_2);
  // OpenSSL checks the host name below; Poco's own check would resolve the name again and
  // skips "localhost" names.
  context->enableExtendedCertificateVerification(false);
  SSL_CTX* ssl = context->sslContext();
  // A null callback makes OpenSSL fail the handshake on any verification error, instead of
  // asking the handlers registered with Poco's SSLManager.
  SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  net::keep_verification_errors(context);
  X509_VERIFY_PARAM* verify = SSL_CTX_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(verify, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  Poco::Net::IPAddress literal;
  if (Poco::Net::IPAddress::tryParse(host, literal)) {
    X509_VERIFY_PARAM_set1_ip_asc(verify, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(verify, host.c_str(), host.size());
  }
  return context;
}

std::string server_name_for(const std::string& host) {
  Poco::Net::IPAddress literal;
  return Poco::Net::IPAddress::tryParse(host, literal) ? std::string() : host;
}

}  // namespace outbound::smtp
