// The descriptor of the file-mail plugin: the one symbol the shared library exports.

#include "file_mail/file_mail_sender.h"
#include "outbound/plugin.h"

using outbound::file_mail::FileMailSender;

OUTBOUND_PLUGIN(FileMailSender, "file-mail", "1.0.0")
