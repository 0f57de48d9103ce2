#include "smtp/errors.h"

namespace outbound::smtp {

ProviderDetails details_of(const Reply& reply) {
  ProviderDetails details;
  details.code = reply.enhanced_code;
  details.reply_code = reply.code;
  return details;
}

Status reply_status(const Reply& reply, std::string_view step, StatusCode permanent_code,
                    const char* permanent_reason) {
  const std::string quoted = "the SMTP server replied to " + std::string(step) + " with " +
                             std::to_string(reply.code) +
                             (reply.enhanced_code.empty() ? "" : " " + reply.enhanced_code) +
                             (reply.text().empty() ? "" : " " + reply.text());
  if (reply.code == 421) {
    return Status::unavailable(quoted + "; it is closing the connection, try again later")
        .set_retryable(true)
        .set_reason(reason::kServiceClosing)
        .set_provider(details_of(reply));
  }
  if (reply.transient()) {
    return Status::unavailable(quoted + "; this is a temporary failure, try again later")
        .set_retryable(true)
        .set_reason(reason::kTransientFailure)
        .set_provider(details_of(reply));
  }
  if (reply.permanent()) {
    return Status(permanent_code, quoted)
        .set_retryable(false)
        .set_reason(permanent_reason)
        .set_provider(details_of(reply));
  }
  return Status::unavailable(quoted + ", which is not a valid reply at this point")
      .set_retryable(true)
      .set_reason("protocol_error")
      .set_provider(details_of(reply));
}

}  // namespace outbound::smtp
