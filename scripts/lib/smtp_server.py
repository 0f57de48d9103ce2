#!/usr/bin/python3
"""Run a loopback SMTP server on Debian's python3-aiosmtpd 1.4 for the tests and the demo.

Run it with /usr/bin/python3, whose dist-packages hold aiosmtpd. It listens on 127.0.0.1 only
and stores each accepted message in --outdir as two files, written to a temporary name and
renamed, the .eml first:

  NNNN.eml   the DATA bytes as received, after dot-unstuffing, up to and including the CRLF
             before the terminating "."
  NNNN.json  {"mail_from", "rcpt_tos", "mail_options", "rcpt_options", "auth_user", "tls",
              "peer", "size"}. mail_options lists the MAIL FROM parameters, upper-cased.
              rcpt_options has one list of RCPT TO parameters per accepted recipient, in
              rcpt_tos order. auth_user is null without AUTH. peer is [address, port].

A reader that sees NNNN.json can therefore read a complete NNNN.eml.

Options, each explained by --help:
  --port (0 lets the OS choose) and --outdir.
  --tls-cert and --tls-key offer STARTTLS, and AUTH only after it. --require-tls adds 530 to
  MAIL, RCPT, DATA, AUTH and RSET before STARTTLS. --implicit-tls speaks TLS from the first byte.
  --user with --password or --password-file enables AUTH PLAIN and LOGIN, required before MAIL.
  --login-username-prompt, --login-password-prompt and --stock-login-prompts set the AUTH LOGIN
  challenges.
  --reject-rcpt and --tempfail-rcpt give recipients that contain the text 550 5.1.1 or 451 4.3.0.
  --smtputf8 advertises SMTPUTF8.

Prints exactly "READY <port>" on stdout once listening. Exits 0 on SIGTERM or SIGINT, 2 on an
invalid option, 3 when the port is taken, and 1 when listening fails for another reason.
"""
import argparse
import asyncio
import errno
import itertools
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

NAME = "smtp_server.py"
HOST = "127.0.0.1"
EXIT_INVALID_OPTION = 2
EXIT_PORT_IN_USE = 3
# Seconds a connection may stay idle before the server closes it (aiosmtpd's default is 300).
IDLE_TIMEOUT_S = 120
# The challenges that Postfix and smtp-server send for AUTH LOGIN, base64-encoded on the wire.
STANDARD_USERNAME_PROMPT = "Username:"
STANDARD_PASSWORD_PROMPT = "Password:"


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog=NAME, description="Loopback SMTP server that stores each message as .eml and .json.")
    parser.add_argument("--port", type=int, default=2525,
                        help="TCP port on 127.0.0.1; 0 lets the OS choose (default 2525)")
    parser.add_argument("--outdir", required=True,
                        help="folder for the NNNN.eml and NNNN.json files, created when missing")
    parser.add_argument("--tls-cert", help="PEM certificate chain; offers STARTTLS")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--require-tls", action="store_true",
                        help="reply 530 to every command but EHLO, NOOP, STARTTLS and QUIT "
                             "before STARTTLS")
    parser.add_argument("--implicit-tls", action="store_true",
                        help="speak TLS from the first byte instead of offering STARTTLS")
    parser.add_argument("--user", help="AUTH user name; enables AUTH PLAIN and LOGIN and "
                                       "requires AUTH before MAIL")
    parser.add_argument("--password", help="AUTH password of --user")
    parser.add_argument("--password-file",
                        help="file whose content, without a final line break, is the AUTH "
                             "password; keeps the password out of the process list")
    parser.add_argument("--login-username-prompt", default=STANDARD_USERNAME_PROMPT,
                        help="text of the first AUTH LOGIN challenge (default %(default)s)")
    parser.add_argument("--login-password-prompt", default=STANDARD_PASSWORD_PROMPT,
                        help="text of the second AUTH LOGIN challenge (default %(default)s)")
    parser.add_argument("--stock-login-prompts", action="store_true",
                        help="send aiosmtpd's own AUTH LOGIN challenges, 'User Name' and "
                             "'Password' each followed by a NUL byte")
    parser.add_argument("--reject-rcpt", metavar="TEXT",
                        help="reply 550 5.1.1 to RCPT TO addresses that contain TEXT")
    parser.add_argument("--tempfail-rcpt", metavar="TEXT",
                        help="reply 451 4.3.0 to RCPT TO addresses that contain TEXT")
    parser.add_argument("--smtputf8", action="store_true",
                        help="advertise SMTPUTF8 and accept its MAIL FROM parameter")
    arguments = parser.parse_args(argv)

    if not 0 <= arguments.port <= 65535:
        parser.error(f"invalid --port {arguments.port}; expected 0 to 65535")
    if (arguments.tls_cert is None) != (arguments.tls_key is None):
        parser.error("--tls-cert and --tls-key go together; give both or neither")
    if arguments.require_tls and arguments.tls_cert is None:
        parser.error("--require-tls needs --tls-cert and --tls-key")
    if arguments.implicit_tls and arguments.tls_cert is None:
        parser.error("--implicit-tls needs --tls-cert and --tls-key")
    if arguments.implicit_tls and arguments.require_tls:
        parser.error("--require-tls applies to STARTTLS; with --implicit-tls every command is "
                     "already encrypted, so give only one of them")
    if arguments.password is not None and arguments.password_file is not None:
        parser.error("give --password or --password-file, not both")
    if arguments.password_file is not None:
        try:
            with open(arguments.password_file, encoding="utf-8") as file:
                arguments.password = file.read().rstrip("\r\n")
        except OSError as error:
            parser.error(f"cannot read --password-file: {error}")
    if (arguments.user is None) != (arguments.password is None):
        parser.error("--user needs --password or --password-file, and they need --user")
    return arguments


class Handler:
    """Decides on recipients and stores each accepted message in the output folder."""

    def __init__(self, arguments):
        self.arguments = arguments
        self.sequence = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # A handle_RCPT hook replaces aiosmtpd's own bookkeeping, so the accepted address and
        # its options are recorded here.
        if self.arguments.reject_rcpt and self.arguments.reject_rcpt in address:
            return "550 5.1.1 Mailbox unavailable (rejected by --reject-rcpt)"
        if self.arguments.tempfail_rcpt and self.arguments.tempfail_rcpt in address:
            return "451 4.3.0 Temporary failure (from --tempfail-rcpt)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(list(rcpt_options))
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or b""
        auth_user = None
        if isinstance(session.auth_data, LoginPassword):
            auth_user = session.auth_data.login.decode("utf-8", errors="replace")
        # The transport reports an SSL object both after STARTTLS and with implicit TLS.
        tls = server.transport.get_extra_info("ssl_object") is not None
        envelope_record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options,
            "rcpt_options": envelope.rcpt_options,
            "auth_user": auth_user,
            "tls": tls,
            "peer": list(session.peer[:2]) if session.peer else None,
            "size": len(content),
        }
        base = os.path.join(self.arguments.outdir, f"{next(self.sequence):04d}")
        write_atomically(base + ".eml", content)
        write_atomically(base + ".json", json.dumps(envelope_record).encode("utf-8"))
        return f"250 2.0.0 OK stored {os.path.basename(base)}"


def write_atomically(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as file:
        file.write(data)
    os.replace(temporary, path)


def make_authenticator(arguments):
    expected_login = arguments.user.encode("utf-8")
    expected_password = arguments.password.encode("utf-8")

    def authenticate(server, session, envelope, mechanism, auth_data):
        accepted = (isinstance(auth_data, LoginPassword)
                    and auth_data.login == expected_login
                    and auth_data.password == expected_password)
        # With handled=False aiosmtpd itself replies "535 5.7.8" to a failure. The default,
        # handled=True, sends no reply at all, and the client waits until it times out.
        return AuthResult(success=accepted, handled=False, auth_data=auth_data)

    return authenticate


def make_server_class(arguments):
    if arguments.stock_login_prompts:
        return SMTP

    class PromptingSMTP(SMTP):
        # aiosmtpd 1.4's own challenges are "User Name\0" and "Password\0". The options choose
        # the text, so that tests can check that a client copes with any prompt text.
        AuthLoginUsernameChallenge = arguments.login_username_prompt
        AuthLoginPasswordChallenge = arguments.login_password_prompt

    return PromptingSMTP


def make_tls_context(arguments):
    if arguments.tls_cert is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
    except (OSError, ssl.SSLError) as error:
        fail(EXIT_INVALID_OPTION, f"cannot load --tls-cert {arguments.tls_cert} and --tls-key "
                                  f"{arguments.tls_key}: {error}")
    return context


def fail(exit_code, message):
    print(f"{NAME}: {message}", file=sys.stderr, flush=True)
    sys.exit(exit_code)


def quiet_known_messages():
    # aiosmtpd 1.4 sets its own deprecated Session.login_data on every AUTH and logs a warning
    # each time, and it warns once when AUTH is required without TLS, which is how the tests
    # run it on purpose.
    logging.getLogger("mail.log").addFilter(
        lambda record: "login_data" not in record.getMessage()
        and "auth_require_tls" not in record.getMessage())
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")


def main(argv):
    arguments = parse_arguments(argv)
    quiet_known_messages()
    os.makedirs(arguments.outdir, exist_ok=True)

    tls_context = make_tls_context(arguments)
    starttls_context = None if arguments.implicit_tls else tls_context
    authenticator = make_authenticator(arguments) if arguments.user is not None else None
    handler = Handler(arguments)
    server_class = make_server_class(arguments)

    def make_protocol():
        return server_class(
            handler,
            hostname="localhost",
            tls_context=starttls_context,
            require_starttls=arguments.require_tls,
            enable_SMTPUTF8=arguments.smtputf8,
            authenticator=authenticator,
            auth_required=authenticator is not None,
            # AUTH waits for STARTTLS when the server offers it. Without a certificate, and
            # with implicit TLS, AUTH is allowed at once.
            auth_require_tls=starttls_context is not None,
            timeout=IDLE_TIMEOUT_S)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        server = loop.run_until_complete(loop.create_server(
            make_protocol, host=HOST, port=arguments.port,
            ssl=tls_context if arguments.implicit_tls else None))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            fail(EXIT_PORT_IN_USE, f"port {arguments.port} on {HOST} is already in use; find its "
                                   f"process with: ss -ltnp 'sport = :{arguments.port}'")
        fail(1, f"cannot listen on {HOST}:{arguments.port}: {error}")

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, loop.stop)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()
        # Open connections still have their tasks; cancelling them closes their sockets.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(server.wait_closed())
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
