#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "arguments.h"
#include "commands.h"
#include "operations.h"

namespace outbound::cli {
namespace {

using nlohmann::json;

constexpr int kMaxConcurrency = 256;

constexpr const char* kBatchHelp = R"(usage: outbound batch FILE|- [--concurrency N]

Runs one operation per line of FILE (or standard input with -) in one process, so every line
uses the same clients. Each line is a JSON object:
  {"op":"auth.issue","client":"auth","args":{"sub":"u1","claims":{"role":"admin"},"ttl":60}}
  {"op":"pay.charge","args":{"amount":2000,"currency":"usd","source":"tok_visa"}}
"client" may be left out where one client of the kind is configured. Blank lines are skipped.
Operations and their arguments:
  auth.issue           sub, claims (object), ttl (seconds)
  auth.verify          token
  pay.charge           amount (integer of minor units), currency, source, customer,
                       description, metadata (object of strings), capture (true or false),
                       idempotency_key, account
  pay.refund           payment_id, amount, reason, metadata, idempotency_key, account
  pay.capture          payment_id, amount, idempotency_key, account
  pay.get              payment_id, account
  pay.webhook_verify   payload (the raw body as a JSON string), signature
  mail.send            from, to, cc, bcc, reply_to (addresses), subject, text, html,
                       attachments, headers (object of strings, added in name order),
                       message_id
  check                (none)

Amounts must be JSON integers such as 1250, not 1250.0: money never goes through a
floating-point number, so a decimal point or an exponent is rejected even for a whole value.
pay.charge, pay.refund and pay.capture send idempotency_key, or a new key when it is left
out. The result reports it as "idempotency_key", and so does the error of a call that reached
the client. Run the line again with that key to get the first outcome, not a second payment.
A mail.send address is a string ("Jane Doe <jane@example.com>") or an object
{"address":"jane@example.com","name":"Jane Doe"}; to, cc, bcc and reply_to are arrays of
them. An attachment is {"filename":"a.pdf","content_base64":"...","content_type":"...",
"content_id":"..."}; content_type is optional (the plugin picks one from the file name), and
content_id makes an inline part that the HTML body shows as cid:ID. For example, on one line:
  {"op":"mail.send","args":{"from":"demo@example.com","to":["a@example.com"],
   "subject":"hello","text":"hi"}}

Reads the lines as they arrive, so another program can feed a pipe one line at a time, and
prints one JSON result per input line, in input order, as soon as that line and every earlier
one are done:
  {"line":1,"ok":true,"elapsed_ms":0.42,"result":{...}}
  {"line":2,"ok":false,"elapsed_ms":0.10,"error":{"code":"unauthenticated",...}}
  --concurrency N   lines run at once, 1 to 256 (default 1)

Exit 0 when every line succeeded; otherwise 5 if any line failed for a transient reason,
else 1 if any failed with an internal error, else 4 (an unknown client on a line is a failed
line, not a usage error).
)";

struct Line {
  /// The line's number in the input, blank lines counted.
  std::size_t number = 0;
  /// The line's place among the lines that run, from 0, which sets the order of the output.
  std::size_t sequence = 0;
  std::string text;
};

/// Runs one batch line and returns its result document.
json run_line(const Host& host, const Output& output, const Line& line, Status* failure) {
  const auto start = std::chrono::steady_clock::now();
  Result<json> result = Status::internal("the line did not run");
  json error_fields = json::object();
  json document = json::parse(line.text, nullptr, false);
  if (document.is_discarded()) {
    result = Status::invalid_argument("line is not valid JSON; write one JSON object per line");
  } else if (!document.is_object()) {
    result = Status::invalid_argument("line must be a JSON object with \"op\" and \"args\"");
  } else {
    std::string problem;
    for (const auto& item : document.items()) {
      if (item.key() != "op" && item.key() != "client" && item.key() != "args") {
        problem = "unknown key '" + item.key() + "'; a line has \"op\", \"client\" and \"args\"";
      }
    }
    auto op = document.find("op");
    auto client = document.find("client");
    auto args = document.find("args");
    if (problem.empty() && (op == document.end() || !op->is_string())) {
      problem = "\"op\" is missing or not a string";
    }
    if (problem.empty() && client != document.end() && !client->is_string()) {
      problem = "\"client\" must be a string";
    }
    if (!problem.empty()) {
      result = Status::invalid_argument(problem);
    } else {
      result = run_operation(host, op->get<std::string>(),
                             client == document.end() ? "" : client->get<std::string>(),
                             args == document.end() ? json::object() : *args, &error_fields);
      if (!result.ok()) {
        result = with_client_choice(result.status(), "choose one with \"client\" in the line");
      }
    }
  }
  const double elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  json line_result = {
      {"line", line.number},
      {"ok", result.ok()},
      {"elapsed_ms", static_cast<double>(static_cast<long long>(elapsed_ms * 1000)) / 1000.0}};
  if (result.ok()) {
    line_result["result"] = std::move(*result);
  } else {
    json error = error_json(output.redacted(result.status()));
    error.update(error_fields);
    line_result["error"] = std::move(error);
    *failure = result.status();
  }
  return line_result;
}

}  // namespace

int run_batch(const Invocation& invocation) {
  auto parsed = parse_arguments(invocation.arguments, {{"concurrency"}});
  Output& output = *invocation.output;
  if (!parsed.ok()) return output.usage(parsed.status().message(), invocation.command);
  if (parsed->has("help")) {
    std::cout << kBatchHelp;
    return kExitOk;
  }
  if (parsed->positionals.size() != 1) {
    return output.usage("batch needs exactly one FILE (or - for standard input)",
                        invocation.command);
  }
  int concurrency = 1;
  if (auto text = parsed->value("concurrency")) {
    std::size_t used = 0;
    try {
      concurrency = std::stoi(*text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text->size() || concurrency < 1 || concurrency > kMaxConcurrency) {
      return output.usage("--concurrency '" + *text + "' must be a whole number from 1 to 256",
                          invocation.command);
    }
  }

  const std::string& source = parsed->positionals.front();
  std::ifstream file;
  if (source != "-") {
    file.open(source);
    if (!file) {
      return output.usage("cannot read batch file '" + source + "'; check the path",
                          invocation.command);
    }
  }
  std::istream& input = source == "-" ? std::cin : file;

  int exit_code = kExitOk;
  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;

  // This thread reads lines as they come and queues them, and workers take them in order.
  // Results are printed in input order once every earlier line is done, so a slow line delays
  // the output but not the work. Reading waits while the window of lines read but not printed
  // is full, which bounds the memory for any length of input.
  const std::size_t workers = static_cast<std::size_t>(concurrency);
  const std::size_t window = 4 * workers;
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Line> queued;
  std::map<std::size_t, std::string> finished;
  std::size_t next_to_print = 0;
  bool input_done = false;
  auto worker = [&] {
    std::unique_lock<std::mutex> lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return !queued.empty() || input_done; });
      if (queued.empty()) return;
      Line line = std::move(queued.front());
      queued.pop_front();
      lock.unlock();
      Status failure;
      const std::string result = run_line(*host, output, line, &failure)
                                     .dump(-1, ' ', false, json::error_handler_t::replace);
      lock.lock();
      if (!failure.ok()) exit_code = combine_exit_codes(exit_code, failure);
      finished.emplace(line.sequence, result);
      for (auto next = finished.find(next_to_print); next != finished.end();
           next = finished.find(next_to_print)) {
        output.out() << next->second << '\n';
        finished.erase(next);
        ++next_to_print;
      }
      output.out().flush();
      changed.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < workers; ++i) threads.emplace_back(worker);

  std::string text;
  std::size_t sequence = 0;
  for (std::size_t number = 1; std::getline(input, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return sequence - next_to_print < window; });
    queued.push_back({number, sequence++, std::move(text)});
    changed.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(mutex);
    input_done = true;
  }
  changed.notify_all();
  for (auto& thread : threads) thread.join();
  return exit_code;
}

}  // namespace outbound::cli
