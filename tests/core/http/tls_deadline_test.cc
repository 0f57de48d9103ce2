// The transport against an HTTPS peer that accepts the TCP connection and then sends nothing:
// the TLS handshake must end by the request's deadline. The peer is an in-process listener on
// 127.0.0.1, because only the silence matters here.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "http/transport.h"

namespace outbound::http {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

/// SilentPeer accepts connections on 127.0.0.1 at a port chosen by the kernel, keeps them open
/// and never sends a byte, until it is destroyed.
class SilentPeer {
 public:
  SilentPeer() : listener_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    thread_ = std::thread([this] { accept_until_stopped(); });
  }
  ~SilentPeer() {
    stopping_ = true;
    thread_.join();
  }
  SilentPeer(const SilentPeer&) = delete;
  SilentPeer& operator=(const SilentPeer&) = delete;

  std::uint16_t port() const { return listener_.address().port(); }

 private:
  void accept_until_stopped() {
    const Poco::Timespan wait(0, 20 * 1000);
    while (!stopping_) {
      if (listener_.poll(wait, Poco::Net::Socket::SELECT_READ)) {
        accepted_.push_back(listener_.acceptConnection());
      }
    }
  }

  Poco::Net::ServerSocket listener_;
  std::vector<Poco::Net::StreamSocket> accepted_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

TransportOptions options_with_connect_timeout(milliseconds connect_timeout) {
  TransportOptions options;
  options.client_id = "test-client";
  options.user_agent = "outbound/0.1.0 test-plugin/9.9.9";
  options.logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  options.connect_timeout = connect_timeout;
  return options;
}

CallContext context_for(milliseconds budget) {
  CallContext context;
  context.deadline = steady_clock::now() + budget;
  context.attempt_deadline = context.deadline;
  context.request_id = "req-0001";
  return context;
}

HttpRequest get_from(const SilentPeer& peer) {
  HttpRequest request;
  request.method = "GET";
  request.url = "https://127.0.0.1:" + std::to_string(peer.port()) + "/hello";
  request.replay_safe = true;
  return request;
}

/// Sends a GET to `peer` through `transport` with `budget` as the call's deadline, checks that
/// it failed with deadline_exceeded in the handshake, and returns the time it took.
long long failed_request_ms(PooledTransport& transport, const SilentPeer& peer,
                            milliseconds budget) {
  const auto start = steady_clock::now();
  Result<HttpResponse> response = transport.send(context_for(budget), get_from(peer));
  const long long elapsed =
      std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
  // In the XML report (--gtest_output=xml), for comparing runs.
  ::testing::Test::RecordProperty("elapsed_ms", std::to_string(elapsed));
  EXPECT_FALSE(response.ok());
  if (response.ok()) return elapsed;
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded)
      << response.status().to_string();
  EXPECT_EQ(response.status().reason(), "timeout");
  EXPECT_TRUE(response.status().retryable());
  EXPECT_NE(response.status().message().find("during the TLS handshake"), std::string::npos)
      << response.status().message();
  return elapsed;
}

TEST(TransportTlsDeadline, SilentPeerEndsAtCallDeadline) {
  SilentPeer peer;
  PooledTransport transport(options_with_connect_timeout(milliseconds(5000)));
  const long long elapsed = failed_request_ms(transport, peer, milliseconds(500));
  EXPECT_GE(elapsed, 495);
  EXPECT_LE(elapsed, 550);
}

TEST(TransportTlsDeadline, SilentPeerEndsAtConnectTimeout) {
  SilentPeer peer;
  PooledTransport transport(options_with_connect_timeout(milliseconds(400)));
  // The first request to an origin builds its TLS context, loading the system CA store, before
  // the connect timeout starts; this one only does that.
  failed_request_ms(transport, peer, milliseconds(100));
  // The connect timeout, shorter than the call's deadline, bounds the handshake.
  const long long elapsed = failed_request_ms(transport, peer, milliseconds(3000));
  EXPECT_GE(elapsed, 395);
  EXPECT_LE(elapsed, 450);
}

}  // namespace
}  // namespace outbound::http
