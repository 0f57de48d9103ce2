// The descriptor of the smtp plugin: the one symbol the shared library exports.

#include "outbound/plugin.h"
#include "smtp/smtp_sender.h"

using outbound::smtp::SmtpSender;

OUTBOUND_PLUGIN(SmtpSender, "smtp", "1.0.0")
