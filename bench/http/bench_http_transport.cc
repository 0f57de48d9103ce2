// bench_http_transport measures requests per second to a local HTTP server through
// http::PooledTransport, configured as the host configures it for a client, beside raw Poco
// HTTPClientSession calls to the same servers. Each path runs on kept-alive connections and with
// a new connection per request, plain and TLS. scripts/bench_http.sh starts nginx and runs it
// pinned to one CPU; the method and the figures are in docs/benchmarks.md.
//
// The servers come from flags or, when a flag is not given, from the environment:
//   --plain-url        OUTBOUND_BENCH_HTTP_URL         http, keeps connections open
//   --plain-close-url  OUTBOUND_BENCH_HTTP_CLOSE_URL   http, closes after each response
//   --tls-url          OUTBOUND_BENCH_HTTPS_URL        https, keeps connections open
//   --tls-close-url    OUTBOUND_BENCH_HTTPS_CLOSE_URL  https, closes after each response
//   --ca-file          OUTBOUND_BENCH_CA_FILE          PEM certificate that verifies the https ones
// Each must respond to GET with status 200 and the body "ok". A request that fails or gets another
// response stops its benchmark with an error, and the program then exits with status 1.

#include <benchmark/benchmark.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPMessage.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include "http/transport.h"
#include "metrics/registry.h"

namespace outbound::bench {
namespace {

using std::chrono::steady_clock;

constexpr std::string_view kExpectedBody = "ok";
constexpr int kExpectedStatus = 200;
/// The deadline of every request: far beyond a local round trip, so it only stops a hung server.
constexpr std::chrono::seconds kRequestTimeout{5};
/// The key exchange groups that PooledTransport sets on its TLS context (transport.cc).
constexpr char kTransportGroups[] = "X25519:P-256:P-384";

/// The servers to measure against, and the certificate that verifies the https ones.
struct Endpoints {
  std::string plain_url;
  std::string plain_close_url;
  std::string tls_url;
  std::string tls_close_url;
  std::string ca_file;
};

/// Whether any benchmark failed a request, in which case main() exits with status 1.
bool failed = false;

void fail(benchmark::State& state, const std::string& name, const std::string& message) {
  std::fprintf(stderr, "bench_http_transport: %s failed: %s\n", name.c_str(), message.c_str());
  failed = true;
  state.SkipWithError(message.c_str());
}

/// Returns the message for a response that is not the expected 200 "ok", or an empty string.
std::string check_response(int status, std::string_view body) {
  if (status == kExpectedStatus && body == kExpectedBody) return std::string();
  return "expected status 200 with the body \"ok\", got status " + std::to_string(status) +
         " with a body of " + std::to_string(body.size()) + " bytes";
}

/// Returns transport options as the host sets them for a client: a logger at info level, the
/// host's metrics registry, and TLS verified against `ca_file`.
http::TransportOptions transport_options(const std::string& ca_file) {
  http::TransportOptions options;
  options.client_id = "bench";
  options.user_agent = "outbound/bench bench/1.0.0";
  options.http.ca_file = ca_file;
  options.logger =
      std::make_shared<spdlog::logger>("http", std::make_shared<spdlog::sinks::null_sink_st>());
  options.logger->set_level(spdlog::level::info);
  options.metrics = std::make_shared<metrics::MetricsRegistry>();
  return options;
}

/// Sends GET `url` through one PooledTransport per run, with a new deadline per request as the
/// host gives each call. With `new_connection`, the server closes after each response, so the
/// transport must open a connection per request; otherwise all requests must share one.
void pooled_requests(benchmark::State& state, const std::string& name, const std::string& url,
                     const std::string& ca_file, bool new_connection) {
  http::PooledTransport transport(transport_options(ca_file));
  HttpRequest request;
  request.method = "GET";
  request.url = url;
  request.replay_safe = true;
  std::int64_t sent = 0;
  for (auto _ : state) {
    CallContext context;
    context.deadline = steady_clock::now() + kRequestTimeout;
    context.attempt_deadline = context.deadline;
    context.request_id = "bench-request";
    Result<HttpResponse> response = transport.send(context, request);
    if (!response.ok()) {
      fail(state, name, response.status().to_string());
      return;
    }
    if (std::string error = check_response(response->status, response->body); !error.empty()) {
      fail(state, name, "GET " + url + ": " + error);
      return;
    }
    ++sent;
  }
  const http::PooledTransport::Totals totals = transport.totals();
  const auto opened = static_cast<std::int64_t>(totals.opened);
  if (new_connection && opened != sent) {
    fail(state, name,
         std::to_string(sent) + " requests opened " + std::to_string(opened) +
             " connections; the server at " + url + " must close after each response");
    return;
  }
  if (!new_connection && sent > 0 && opened != 1) {
    fail(state, name,
         std::to_string(sent) + " requests opened " + std::to_string(opened) +
             " connections; the server at " + url + " must keep the connection open");
    return;
  }
  state.counters["connections"] = static_cast<double>(opened);
  state.SetItemsProcessed(sent);
}

/// Returns a Poco client context that trusts `ca_file` only and checks the peer's name, with
/// the transport's key exchange groups when `transport_groups`, else Poco 1.11's defaults.
Poco::Net::Context::Ptr raw_tls_context(const std::string& ca_file, bool transport_groups) {
  Poco::Net::Context::Params params;
  params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
  params.loadDefaultCAs = false;
  params.caLocation = ca_file;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  if (transport_groups) SSL_CTX_set1_groups_list(context->sslContext(), kTransportGroups);
  return context;
}

std::unique_ptr<Poco::Net::HTTPClientSession> make_session(const Poco::URI& uri,
                                                           const Poco::Net::Context::Ptr& tls) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (tls) {
    session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), tls);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  }
  session->setTimeout(Poco::Timespan(kRequestTimeout.count(), 0));
  return session;
}

/// Sends `request` on `session` and reads the whole response. Returns an empty string when the
/// response is 200 "ok", else the error.
std::string raw_exchange(Poco::Net::HTTPClientSession& session, Poco::Net::HTTPRequest& request,
                         std::string& body) {
  try {
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& stream = session.receiveResponse(response);
    body.clear();
    Poco::StreamCopier::copyToString(stream, body);
    return check_response(static_cast<int>(response.getStatus()), body);
  } catch (const Poco::Exception& error) {
    return error.displayText();
  }
}

/// Sends GET `url` with raw Poco: on one HTTPClientSession (HTTPSClientSession with `tls`) kept
/// alive across requests, or, with `new_session`, on a new session per request.
void raw_requests(benchmark::State& state, const std::string& name, const std::string& url,
                  const Poco::Net::Context::Ptr& tls, bool new_session) {
  const Poco::URI uri(url);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, uri.getPathEtc(),
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setKeepAlive(!new_session);
  std::unique_ptr<Poco::Net::HTTPClientSession> kept_session;
  if (!new_session) {
    kept_session = make_session(uri, tls);
    kept_session->setKeepAlive(true);
  }
  std::string body;
  std::int64_t sent = 0;
  for (auto _ : state) {
    std::string error;
    if (new_session) {
      std::unique_ptr<Poco::Net::HTTPClientSession> session = make_session(uri, tls);
      error = raw_exchange(*session, request, body);
    } else {
      error = raw_exchange(*kept_session, request, body);
    }
    if (!error.empty()) {
      fail(state, name, "GET " + url + ": " + error);
      return;
    }
    ++sent;
  }
  state.SetItemsProcessed(sent);
}

/// Returns the value of `--flag=value` in `argument`, or nullptr when it is another flag.
const char* flag_value(const char* argument, std::string_view flag) {
  const std::string_view text(argument);
  if (text.size() <= flag.size() + 1 || text.substr(0, flag.size()) != flag ||
      text[flag.size()] != '=') {
    return nullptr;
  }
  return argument + flag.size() + 1;
}

/// Reads the endpoints from the arguments Google Benchmark left, then from the environment.
/// Returns false, after printing why, on an unknown argument or a missing value.
bool read_endpoints(int argc, char** argv, Endpoints& endpoints) {
  struct Setting {
    std::string_view flag;
    const char* variable;
    std::string* value;
  };
  const std::vector<Setting> settings = {
      {"--plain-url", "OUTBOUND_BENCH_HTTP_URL", &endpoints.plain_url},
      {"--plain-close-url", "OUTBOUND_BENCH_HTTP_CLOSE_URL", &endpoints.plain_close_url},
      {"--tls-url", "OUTBOUND_BENCH_HTTPS_URL", &endpoints.tls_url},
      {"--tls-close-url", "OUTBOUND_BENCH_HTTPS_CLOSE_URL", &endpoints.tls_close_url},
      {"--ca-file", "OUTBOUND_BENCH_CA_FILE", &endpoints.ca_file},
  };
  for (int i = 1; i < argc; ++i) {
    bool known = false;
    for (const Setting& setting : settings) {
      if (const char* value = flag_value(argv[i], setting.flag)) {
        *setting.value = value;
        known = true;
      }
    }
    if (!known) {
      std::fprintf(stderr,
                   "bench_http_transport: unknown argument '%s'; besides Google Benchmark's "
                   "flags it takes --plain-url, --plain-close-url, --tls-url, --tls-close-url and "
                   "--ca-file\n",
                   argv[i]);
      return false;
    }
  }
  bool complete = true;
  for (const Setting& setting : settings) {
    if (setting.value->empty()) {
      const char* from_environment = std::getenv(setting.variable);
      if (from_environment != nullptr) *setting.value = from_environment;
    }
    if (setting.value->empty()) {
      std::fprintf(stderr, "bench_http_transport: %s=VALUE is missing; pass it or set %s\n",
                   std::string(setting.flag).c_str(), setting.variable);
      complete = false;
    }
  }
  return complete;
}

void register_pooled(const std::string& name, const std::string& url, const std::string& ca_file,
                     bool new_connection) {
  benchmark::RegisterBenchmark(name.c_str(), pooled_requests, name, url, ca_file, new_connection)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
}

void register_raw(const std::string& name, const std::string& url,
                  const Poco::Net::Context::Ptr& tls, bool new_session) {
  benchmark::RegisterBenchmark(name.c_str(), raw_requests, name, url, tls, new_session)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
}

/// Registers the benchmarks in pairs, pooled then raw, so that the two sides of each ratio run
/// back to back, and the raw TLS new session with Poco's default groups last. Rates are of wall
/// time, which on one pinned CPU includes the server's work.
void register_benchmarks(const Endpoints& endpoints) {
  const Poco::Net::Context::Ptr no_tls;
  const Poco::Net::Context::Ptr tls = raw_tls_context(endpoints.ca_file, true);
  const Poco::Net::Context::Ptr tls_poco_groups = raw_tls_context(endpoints.ca_file, false);
  register_pooled("Pooled/plain/keep_alive", endpoints.plain_url, endpoints.ca_file, false);
  register_raw("Raw/plain/keep_alive", endpoints.plain_url, no_tls, false);
  register_pooled("Pooled/plain/new_connection", endpoints.plain_close_url, endpoints.ca_file,
                  true);
  register_raw("Raw/plain/new_session", endpoints.plain_close_url, no_tls, true);
  register_pooled("Pooled/tls/keep_alive", endpoints.tls_url, endpoints.ca_file, false);
  register_raw("Raw/tls/keep_alive", endpoints.tls_url, tls, false);
  register_pooled("Pooled/tls/new_connection", endpoints.tls_close_url, endpoints.ca_file, true);
  register_raw("Raw/tls/new_session", endpoints.tls_close_url, tls, true);
  register_raw("Raw/tls/new_session_poco_groups", endpoints.tls_close_url, tls_poco_groups, true);
}

}  // namespace
}  // namespace outbound::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  outbound::bench::Endpoints endpoints;
  if (!outbound::bench::read_endpoints(argc, argv, endpoints)) return 2;
  Poco::Net::initializeSSL();
  try {
    outbound::bench::register_benchmarks(endpoints);
  } catch (const Poco::Exception& error) {
    // The raw clients' TLS contexts load the CA file here.
    std::fprintf(stderr, "bench_http_transport: cannot load the CA file '%s': %s\n",
                 endpoints.ca_file.c_str(), error.displayText().c_str());
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  Poco::Net::uninitializeSSL();
  return outbound::bench::failed ? 1 : 0;
}
