// bench_smtp measures messages per second through the smtp plugin's sender to aiosmtpd on
// 127.0.0.1, over one reused connection and with a new connection per message, in one run. The
// program starts the server itself (scripts/lib/smtp_server.py on Debian's python3-aiosmtpd),
// with STARTTLS required and AUTH, as a mail relay is usually set up, and a second one without TLS
// or AUTH for reference. A new connection per message is the same sender with
// pool.max_messages_per_connection 1: connect, greeting, EHLO, STARTTLS with its handshake,
// EHLO again, AUTH, the transaction, and QUIT, every time.
//
// After the benchmarks it prints the ratio of reused to new for each pair (of the means, with
// --benchmark_repetitions). A send that fails stops its benchmark with an error, and the program
// then exits with status 1. The server is a child process and inherits the CPU affinity, so a
// run under taskset puts the client and the server on the same CPUs.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "outbound/mail.h"
#include "outbound/plugin_context.h"
#include "smtp/smtp_sender.h"
#include "smtp_server.h"
#include "test_ca.h"
#include "test_support.h"

namespace outbound::bench {
namespace {

constexpr const char* kUser = "bench";
constexpr const char* kPassword = "bench-Password-1";
/// The deadline of every send: far beyond a local round trip, so it only stops a hung server.
constexpr std::chrono::seconds kSendTimeout{10};
/// The server stores each message as two files; they are deleted every this many messages.
constexpr int kClearEvery = 2000;

/// The servers of the run, started by main().
struct Fixture {
  outbound::testing::TempDir folder;
  outbound::testing::TestCa ca;
  /// STARTTLS required and AUTH.
  std::unique_ptr<outbound::testing::SmtpServer> server;
  /// Plain text, no AUTH.
  std::unique_ptr<outbound::testing::SmtpServer> plain_server;
};
Fixture* fixture = nullptr;

std::unique_ptr<smtp::SmtpSender> make_sender(bool tls_and_auth, int messages_per_connection) {
  PluginContext context;
  context.client.id = "bench";
  context.client.kind = ClientKind::kMail;
  const std::string pool =
      R"(,"pool":{"max_messages_per_connection":)" + std::to_string(messages_per_connection) + "}";
  if (tls_and_auth) {
    context.settings_json =
        R"({"host":"127.0.0.1","port":)" + std::to_string(fixture->server->port()) +
        R"(,"helo_name":"bench.test","ca_file":")" + fixture->ca.ca_certificate.string() +
        R"(","username":")" + kUser + R"(","password":"[REDACTED]")" + pool + "}";
    context.secrets.emplace("/password", Secret::copy_of(kPassword));
  } else {
    context.settings_json =
        R"({"host":"127.0.0.1","port":)" + std::to_string(fixture->plain_server->port()) +
        R"(,"tls":"none","allow_plaintext":true,"helo_name":"bench.test")" + pool + "}";
  }
  Result<std::unique_ptr<smtp::SmtpSender>> sender = smtp::SmtpSender::create(context);
  if (!sender.ok()) return nullptr;
  return std::move(sender).value();
}

MailMessage message() {
  MailMessage mail;
  mail.from.address = "sender@example.test";
  mail.to.push_back({"rcpt@example.test", ""});
  mail.subject = "Benchmark";
  mail.text_body = "A short message of a few lines.\nSecond line.\nThird line.\n";
  return mail;
}

void send_messages(benchmark::State& state, bool tls_and_auth, int messages_per_connection) {
  std::unique_ptr<smtp::SmtpSender> sender = make_sender(tls_and_auth, messages_per_connection);
  if (!sender) {
    state.SkipWithError("the sender's settings were rejected");
    return;
  }
  const MailMessage mail = message();
  std::int64_t sent = 0;
  for (auto _ : state) {
    CallContext context;
    context.deadline = std::chrono::steady_clock::now() + kSendTimeout;
    context.attempt_deadline = context.deadline;
    Result<MailReceipt> receipt = sender->send(context, mail);
    if (!receipt.ok()) {
      state.SkipWithError(receipt.status().to_string().c_str());
      break;
    }
    if (++sent % kClearEvery == 0) {
      state.PauseTiming();
      (tls_and_auth ? fixture->server : fixture->plain_server)->clear_messages();
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(sent);
  state.counters["connections"] = static_cast<double>(sender->pool().opened());
  sender->close();
}

void Reused_StartTlsAuth(benchmark::State& state) { send_messages(state, true, 1000000); }
void NewConnection_StartTlsAuth(benchmark::State& state) { send_messages(state, true, 1); }

void Reused_Plain(benchmark::State& state) { send_messages(state, false, 1000000); }
void NewConnection_Plain(benchmark::State& state) { send_messages(state, false, 1); }

BENCHMARK(Reused_StartTlsAuth)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(NewConnection_StartTlsAuth)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(Reused_Plain)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(NewConnection_Plain)->UseRealTime()->Unit(benchmark::kMicrosecond);

/// RatioReporter prints the console table and keeps messages per second by benchmark name.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) {
        failed_ = true;
        continue;
      }
      // With --benchmark_repetitions, the mean of the repetitions is the figure that counts.
      const bool aggregate = run.run_type == Run::RT_Aggregate;
      if (aggregate && run.aggregate_name != "mean") continue;
      const auto found = run.counters.find("items_per_second");
      if (found == run.counters.end()) continue;
      std::string& source = sources_[run.run_name.str()];
      if (aggregate || source != "mean") {
        rates_[run.run_name.str()] = found->second.value;
        source = aggregate ? "mean" : "run";
      }
    }
  }

  bool failed() const { return failed_; }

  void print_ratio() const {
    print_pair("STARTTLS + AUTH", "Reused_StartTlsAuth/real_time",
               "NewConnection_StartTlsAuth/real_time");
    print_pair("plain text", "Reused_Plain/real_time", "NewConnection_Plain/real_time");
  }

 private:
  void print_pair(const char* label, const std::string& reused_name,
                  const std::string& fresh_name) const {
    const auto reused = rates_.find(reused_name);
    const auto fresh = rates_.find(fresh_name);
    if (reused == rates_.end() || fresh == rates_.end() || fresh->second <= 0) return;
    std::printf(
        "%s: %.0f messages/s reused, %.0f messages/s with a new connection per message: "
        "%.1f times\n",
        label, reused->second, fresh->second, reused->second / fresh->second);
  }

  /// Messages per second by run name ("Reused_Plain/real_time"), and whether each is a mean.
  std::map<std::string, double> rates_;
  std::map<std::string, std::string> sources_;
  bool failed_ = false;
};

}  // namespace
}  // namespace outbound::bench

int main(int argc, char** argv) {
  using outbound::bench::Fixture;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  Fixture fixture;
  try {
    fixture.ca = outbound::testing::make_test_ca(fixture.folder.path() / "ca");
    outbound::testing::SmtpServerOptions options;
    options.tls_certificate = fixture.ca.server_certificate;
    options.tls_private_key = fixture.ca.server_private_key;
    options.require_tls = true;
    options.user = outbound::bench::kUser;
    options.password = outbound::bench::kPassword;
    fixture.server = std::make_unique<outbound::testing::SmtpServer>(options);
    fixture.server->start();
    fixture.plain_server = std::make_unique<outbound::testing::SmtpServer>();
    fixture.plain_server->start();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_smtp: the SMTP server did not start: %s\n", error.what());
    return 1;
  }
  outbound::bench::fixture = &fixture;
  outbound::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  std::printf("\n");
  reporter.print_ratio();
  fixture.server->stop();
  fixture.plain_server->stop();
  return reporter.failed() ? 1 : 0;
}
