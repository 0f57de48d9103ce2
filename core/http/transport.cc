#include "http/transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <utility>

#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetSSL.h>

#include "http/response_reader.h"
#include "http/tokens.h"
#include "net/tls_handshake.h"

namespace outbound::http {
namespace {

using Seconds = std::chrono::duration<double>;

/// Header names the transport writes itself, or that must never leave: a plugin that sets one
/// gets an error.
constexpr std::array<std::string_view, 12> kReservedHeaders = {
    "host",       "user-agent", "content-length", "transfer-encoding",
    "connection", "referer",    "x-request-id",   "traceparent",
    "te",         "upgrade",    "keep-alive",     "proxy-connection"};

/// Header names whose values are credentials: masked in logs, and dropped when a redirect
/// changes the origin.
constexpr std::array<std::string_view, 3> kCredentialHeaders = {"authorization",
                                                                "proxy-authorization", "cookie"};

/// Bodies are logged at trace level up to this many bytes.
constexpr std::size_t kLoggedBodyBytes = 2048;

template <std::size_t N>
bool one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view candidate) {
    return equals_ignoring_case(name, candidate);
  });
}

bool is_credential(std::string_view name, const HttpRequest& request) {
  return one_of(name, kCredentialHeaders) ||
         std::any_of(
             request.sensitive_headers.begin(), request.sensitive_headers.end(),
             [&](const std::string& sensitive) { return equals_ignoring_case(name, sensitive); });
}

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

/// Whether `value` is a W3C trace context `traceparent` of version 00.
bool valid_traceparent(std::string_view value) {
  if (value.size() != 55 || value[2] != '-' || value[35] != '-' || value[52] != '-') return false;
  const std::string_view version = value.substr(0, 2);
  const std::string_view trace_id = value.substr(3, 32);
  const std::string_view parent_id = value.substr(36, 16);
  const std::string_view flags = value.substr(53, 2);
  return version == "00" && is_lower_hex(trace_id) && is_lower_hex(parent_id) &&
         is_lower_hex(flags) && trace_id != std::string(32, '0') &&
         parent_id != std::string(16, '0');
}

Status check_request(const HttpRequest& request) {
  if (!is_token(request.method)) {
    return Status::invalid_argument("the HTTP method '" + request.method + "' is not a token");
  }
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name)) {
      return Status::invalid_argument("the header name '" + name +
                                      "' is not a token; use letters, digits and '-'");
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return Status::invalid_argument("the header " + name +
                                      " contains CR, LF or NUL, which would split the request");
    }
    if (one_of(name, kReservedHeaders)) {
      return Status::invalid_argument("the header " + name +
                                      " is set by the host's transport; remove it from the "
                                      "request");
    }
  }
  return Status();
}

bool method_has_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

std::string describe_headers(const HttpHeaders& headers, const HttpRequest& request) {
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!out.empty()) out += "; ";
    out += name;
    out += ": ";
    out += is_credential(name, request) ? std::string("[REDACTED]") : value;
  }
  return out;
}

std::string_view clip(std::string_view body) {
  return body.substr(0, std::min(body.size(), kLoggedBodyBytes));
}

const char* io_error_type(IoError::Kind kind) {
  switch (kind) {
    case IoError::Kind::kResolve:
      return "dns_failed";
    case IoError::Kind::kConnect:
      return "connect_failed";
    case IoError::Kind::kTlsRejected:
    case IoError::Kind::kTls:
      return "tls_failed";
    case IoError::Kind::kTimeout:
      return "timeout";
    case IoError::Kind::kClosed:
      return "connection_lost";
  }
  return "connection_lost";
}

/// Returns the Status of a request that failed with `error`. A request counts as possibly
/// processed once its first byte was written; only a replay-safe one may then be retried.
Status io_status(const IoError& error, const std::string& request_line, bool write_started,
                 bool replay_safe) {
  const std::string message = request_line + ": " + error.what();
  const bool may_retry = replay_safe || !write_started;
  switch (error.kind()) {
    case IoError::Kind::kResolve:
    case IoError::Kind::kConnect:
      return Status::unavailable(message).set_retryable(true).set_reason(
          io_error_type(error.kind()));
    case IoError::Kind::kTlsRejected:
      // A rejected certificate or a port without TLS stays so until someone changes the
      // server or the configuration, so this is a permanent rejection, not an outage.
      return Status::failed_precondition(message).set_retryable(false).set_reason("tls_failed");
    case IoError::Kind::kTls:
      return Status::unavailable(message).set_retryable(false).set_reason("tls_failed");
    case IoError::Kind::kTimeout:
      return Status::deadline_exceeded(message).set_retryable(may_retry).set_reason("timeout");
    case IoError::Kind::kClosed:
      return Status::unavailable(
                 message + (may_retry ? std::string() : "; the request may have been processed"))
          .set_retryable(may_retry)
          .set_reason("connection_lost");
  }
  return Status::unavailable(message);
}

void initialize_tls_once() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

}  // namespace

PooledTransport::PooledTransport(TransportOptions options) : options_(std::move(options)) {
  initialize_tls_once();
}

PooledTransport::~PooledTransport() = default;

Poco::Net::Context::Ptr PooledTransport::tls_context(const Origin& origin) {
  using Poco::Net::Context;
  Context::Params params;
  params.verificationMode =
      options_.http.verify_tls ? Context::VERIFY_RELAXED : Context::VERIFY_NONE;
  params.loadDefaultCAs = options_.http.ca_file.empty();
  params.caLocation = options_.http.ca_file.string();
  params.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES";
  Context::Ptr context = new Context(Context::TLS_CLIENT_USE, params);
  context->requireMinimumProtocol(Context::PROTO_TLSV1_2);
  // OpenSSL checks the host name below; Poco's own check would resolve names again.
  context->enableExtendedCertificateVerification(false);
  SSL_CTX* ssl = context->sslContext();
  // X25519 and P-256 first: Poco's default list starts with X448, which is slower to agree on.
  SSL_CTX_set1_groups_list(ssl, "X25519:P-256:P-384");
  if (options_.http.verify_tls) {
    net::keep_verification_errors(context);
    X509_VERIFY_PARAM* verify = SSL_CTX_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(verify, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    Poco::Net::IPAddress literal;
    if (Poco::Net::IPAddress::tryParse(origin.host, literal)) {
      X509_VERIFY_PARAM_set1_ip_asc(verify, origin.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(verify, origin.host.c_str(), origin.host.size());
    }
  }
  return context;
}

OriginPool& PooledTransport::pool(const Origin& origin) {
  const std::string key = origin.key();
  std::lock_guard<std::mutex> lock(pools_mutex_);
  auto found = pools_.find(key);
  if (found != pools_.end()) return *found->second;
  Poco::Net::Context::Ptr tls = origin.secure() ? tls_context(origin) : Poco::Net::Context::Ptr();
  auto pool = std::make_unique<OriginPool>(origin, tls, options_.http.max_connections_per_host,
                                           options_.http.idle_timeout);
  OriginPool& result = *pool;
  pools_.emplace(key, std::move(pool));
  return result;
}

PooledTransport::Totals PooledTransport::totals() const {
  Totals totals;
  std::lock_guard<std::mutex> lock(pools_mutex_);
  for (const auto& [key, pool] : pools_) {
    totals.opened += pool->opened();
    totals.reused += pool->reused();
    totals.discarded += pool->discarded();
  }
  totals.stale_resends = stale_resends_.load(std::memory_order_relaxed);
  return totals;
}

Result<HttpResponse> PooledTransport::send(const CallContext& context, const HttpRequest& request) {
  const SteadyTime deadline = context.effective_deadline();
  if (deadline == SteadyTime{}) {
    return Status::invalid_argument(
               "an HTTP request was given no deadline; pass the CallContext "
               "the host gave the call")
        .set_reason("no_deadline");
  }
  if (Status checked = check_request(request); !checked.ok()) return checked;
  Result<Url> parsed = parse_url(request.url);
  if (!parsed.ok()) return parsed.status();
  Url url = std::move(parsed).value();
  std::string method = request.method;
  std::string_view body = request.body;
  bool strip_credentials = false;
  for (int hop = 0;; ++hop) {
    Result<HttpResponse> result =
        exchange(context, request, method, body, url, strip_credentials, deadline);
    if (!result.ok() || !request.follow_redirects) return result;
    const int status = result->status;
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
      return result;
    }
    const std::string_view location = result->header("Location");
    if (location.empty()) return result;
    if (hop >= options_.max_redirects) {
      return Status::unavailable(method + " " + url.for_log() + " redirected more than " +
                                 std::to_string(options_.max_redirects) + " times")
          .set_retryable(false)
          .set_reason("too_many_redirects");
    }
    Result<Url> next = resolve_location(url, location);
    if (!next.ok()) {
      return Status::unavailable(method + " " + url.for_log() +
                                 " redirected to an invalid "
                                 "location: " +
                                 next.status().message())
          .set_retryable(false)
          .set_reason("bad_redirect");
    }
    if (url.origin.secure() && !next->origin.secure()) {
      return Status::failed_precondition(method + " " + url.for_log() +
                                         " redirected from https to http (" + next->for_log() +
                                         "); the transport never downgrades")
          .set_reason("insecure_redirect");
    }
    if (next->origin != url.origin) strip_credentials = true;
    if (status == 303 || ((status == 301 || status == 302) && method == "POST")) {
      if (method != "HEAD") method = "GET";
      body = std::string_view();
    }
    if (options_.logger->should_log(spdlog::level::debug)) {
      options_.logger->debug("client={} request_id={} http redirect {} -> {}{}", options_.client_id,
                             context.request_id, status, next->for_log(),
                             strip_credentials ? " (credentials dropped: another origin)" : "");
    }
    url = std::move(next).value();
  }
}

Result<HttpResponse> PooledTransport::exchange(const CallContext& context,
                                               const HttpRequest& request,
                                               const std::string& method, std::string_view body,
                                               const Url& url, bool strip_credentials,
                                               SteadyTime deadline) {
  OriginPool& pool = this->pool(url.origin);
  std::string wire;
  wire.reserve(256 + url.target.size() + body.size());
  wire.append(method).append(" ").append(url.target).append(" HTTP/1.1\r\n");
  append_header(wire, "Host", url.origin.host_header());
  append_header(wire, "User-Agent", options_.user_agent);
  if (!context.request_id.empty()) append_header(wire, "X-Request-Id", context.request_id);
  if (!context.traceparent.empty() && valid_traceparent(context.traceparent)) {
    append_header(wire, "traceparent", context.traceparent);
  }
  for (const auto& [name, value] : request.headers) {
    if (strip_credentials && is_credential(name, request)) continue;
    append_header(wire, name, value);
  }
  if (!body.empty() || method_has_body(method)) {
    append_header(wire, "Content-Length", std::to_string(body.size()));
  }
  wire.append("\r\n");
  wire.append(body);

  const bool debug = options_.logger->should_log(spdlog::level::debug);
  if (debug) {
    HttpHeaders sent = request.headers;
    if (strip_credentials) {
      sent.erase(
          std::remove_if(sent.begin(), sent.end(),
                         [&](const auto& field) { return is_credential(field.first, request); }),
          sent.end());
    }
    options_.logger->debug("client={} request_id={} http request {} {} headers: {}",
                           options_.client_id, context.request_id, method, url.for_log(),
                           describe_headers(sent, request));
    if (!body.empty()) {
      options_.logger->trace("client={} request_id={} http request body ({} bytes): {}",
                             options_.client_id, context.request_id, body.size(), clip(body));
    }
  }

  const auto start = std::chrono::steady_clock::now();
  // Built only for messages, so that a successful request does not pay for the string.
  const auto request_line = [&] { return method + " " + url.for_log(); };
  ResponseLimits limits;
  limits.max_body_bytes = options_.http.max_response_bytes;
  const SteadyTime connect_deadline = std::min(deadline, start + options_.connect_timeout);
  bool fresh = false;
  Status failure;
  std::string error_type;
  for (int round = 0;; ++round) {
    Lease lease;
    bool write_started = false;
    bool received_any = false;
    try {
      lease = pool.acquire(connect_deadline, fresh);
      lease.connection->count_request();
      write_started = true;
      lease.connection->write_all(wire, deadline);
      ReadResponse read =
          read_response(*lease.connection, method == "HEAD", deadline, limits, received_any);
      pool.release(std::move(lease.connection), read.reusable);
      const double seconds = Seconds(std::chrono::steady_clock::now() - start).count();
      if (options_.metrics) {
        options_.metrics->record(
            "http.client.request.duration", seconds,
            {{"outbound.client", options_.client_id},
             {"http.request.method", method},
             {"server.address", url.origin.host},
             {"server.port", std::to_string(url.origin.port)},
             {"http.response.status_code", std::to_string(read.response.status)}});
      }
      if (debug) {
        options_.logger->debug(
            "client={} request_id={} http response {} {} -> {} in {:.3f} ms ({} bytes, "
            "connection {}) headers: {}",
            options_.client_id, context.request_id, method, url.for_log(), read.response.status,
            seconds * 1000, read.response.body.size(), lease.reused ? "reused" : "new",
            describe_headers(read.response.headers, request));
        if (!read.response.body.empty()) {
          options_.logger->trace("client={} request_id={} http response body: {}",
                                 options_.client_id, context.request_id, clip(read.response.body));
        }
      }
      return std::move(read.response);
    } catch (const IoError& error) {
      const bool reused = lease.reused;
      if (lease.connection) pool.release(std::move(lease.connection), false);
      const bool stale = reused && !received_any && error.kind() == IoError::Kind::kClosed;
      if (stale && round == 0 && request.replay_safe) {
        stale_resends_.fetch_add(1, std::memory_order_relaxed);
        if (debug) {
          options_.logger->debug(
              "client={} request_id={} http {}: the reused connection had been closed by the "
              "peer; sending again on a new connection",
              options_.client_id, context.request_id, request_line());
        }
        fresh = true;
        continue;
      }
      failure = io_status(error, request_line(), write_started, request.replay_safe);
      if (stale && !request.replay_safe) {
        failure = Status::unavailable(request_line() +
                                      ": the reused connection had been closed by the peer; "
                                      "the request is not replay-safe, so it was not sent again")
                      .set_retryable(false)
                      .set_reason("connection_lost");
      }
      error_type = io_error_type(error.kind());
    } catch (const MalformedResponse& error) {
      if (lease.connection) pool.release(std::move(lease.connection), false);
      failure = Status::unavailable(request_line() + ": " + error.what())
                    .set_retryable(request.replay_safe)
                    .set_reason("malformed_response");
      error_type = "malformed_response";
    } catch (const ResponseTooLarge& error) {
      if (lease.connection) pool.release(std::move(lease.connection), false);
      failure = Status::unavailable(request_line() + ": " + error.what())
                    .set_retryable(false)
                    .set_reason("response_too_large");
      error_type = "response_too_large";
    }
    break;
  }
  const double seconds = Seconds(std::chrono::steady_clock::now() - start).count();
  if (options_.metrics) {
    options_.metrics->record("http.client.request.duration", seconds,
                             {{"outbound.client", options_.client_id},
                              {"http.request.method", method},
                              {"server.address", url.origin.host},
                              {"server.port", std::to_string(url.origin.port)},
                              {"error.type", error_type}});
  }
  if (debug) {
    options_.logger->debug("client={} request_id={} http {} failed after {:.3f} ms: {}",
                           options_.client_id, context.request_id, request_line(), seconds * 1000,
                           failure.to_string());
  }
  return failure;
}

}  // namespace outbound::http
