// `outbound pay webhook-verify`: verifies a webhook delivery byte for byte.

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include "command_support.h"
#include "commands.h"
#include "pay_text.h"

namespace outbound::cli {
namespace {

constexpr const char* kWebhookVerifyHelp =
    R"(usage: outbound pay webhook-verify --signature HEADER [--payload-file F] [--client ID]

Verifies a webhook delivery and prints its event: id, type, API version, creation time,
livemode and data object. The payload is the request body exactly as received, read as raw
bytes from F, or from standard input with --payload-file - or without --payload-file;
re-serialised JSON does not verify.
  --signature HEADER      the value of the signature header (Stripe-Signature for stripe)
  --payload-file F        the file containing the body, or - for standard input
  --client ID             the payment client whose webhook secret verifies it

Exit 4 when the delivery is not valid, with the plugin's reason (for stripe:
malformed_signature_header, missing_timestamp, no_valid_signature or
timestamp_outside_tolerance).
Exit 2 when the payload is empty or the file cannot be read.
)";

}  // namespace

int run_pay_webhook_verify(const Invocation& invocation) {
  ParsedArguments arguments;
  int exit_code = kExitOk;
  if (!parse(invocation, {{"signature"}, {"payload-file"}, {"client"}}, kWebhookVerifyHelp, 0,
             &arguments, &exit_code)) {
    return exit_code;
  }

  Output& output = *invocation.output;
  auto signature = arguments.value("signature");
  if (!signature || signature->empty()) {
    return output.usage("--signature is required: the value of the webhook's signature header",
                        invocation.command);
  }

  // The body is read as raw bytes and passed on unchanged: the signature covers the exact
  // bytes, so even a trailing newline must stay.
  std::string payload;
  auto file_name = arguments.value("payload-file");
  if (file_name == "-") file_name.reset();
  if (file_name) {
    std::ifstream file(*file_name, std::ios::binary);
    if (!file) {
      return output.usage("cannot read payload file '" + *file_name + "'; check the path",
                          invocation.command);
    }
    payload.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  } else {
    payload.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  if (payload.empty()) {
    return output.usage(file_name ? "payload file '" + *file_name + "' is empty"
                                  : "no payload on standard input; pipe the webhook body in or "
                                    "give --payload-file",
                        invocation.command);
  }

  auto host = invocation.open_host(&exit_code);
  if (!host) return exit_code;
  return run_and_print(invocation, *host, "pay.webhook_verify",
                       arguments.value("client").value_or(""),
                       {{"payload", payload}, {"signature", *signature}}, print_webhook_event_text);
}

}  // namespace outbound::cli
