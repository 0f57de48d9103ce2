#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "outbound/host.h"
#include "outbound/mail.h"
#include "outbound/status.h"

namespace outbound::cli {

/// Sends `message` with the mail client `client_id` (empty: the only mail client) and returns
/// the receipt document: client, plugin, plugin_version, message_id, size_octets,
/// server_reply, the counts accepted and rejected, and recipients, one object per envelope
/// recipient {address, accepted, reply_code, enhanced_code, reply}. `mail send` builds the
/// message from its options and the `mail.send` operation from its arguments, and both come
/// here, so they give the same document.
///
/// Returns the client's error when no recipient accepted the message. Every rejection
/// permanent is kInvalidArgument with reason "all_recipients_rejected", and one transient is
/// kUnavailable. A final reply that never came is kUnavailable with reason
/// "unknown_outcome", because the server may have accepted the message.
Result<nlohmann::json> send_mail(const Host& host, const std::string& client_id,
                                 const MailMessage& message);

/// `mail.send` {from, to, cc, bcc, reply_to, subject, text, html, attachments, headers,
/// message_id}: reads a message from `args` and sends it with send_mail.
///
/// An address is a string ("Jane <jane@example.com>") or an object {address, name}; to, cc,
/// bcc and reply_to are arrays of them, and one of to, cc and bcc must have one. subject is
/// required and may be empty; text, html or both are required. attachments is an array of
/// {filename, content_base64, content_type, content_id}, the last two optional. headers is an
/// object of strings, added in name order. Each problem is kInvalidArgument naming the
/// argument ("mail.send argument 'to[1]' ...").
Result<nlohmann::json> mail_send(const Host& host, const std::string& client_id,
                                 const nlohmann::json& args);

}  // namespace outbound::cli
