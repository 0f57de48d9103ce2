#!/usr/bin/env node
// Runs a loopback SMTP server on the npm package smtp-server 3.21.6 (nodemailer's), for the
// interop tests. It takes the same options and writes the same files as smtp_server.py, the
// aiosmtpd server, so that one test runner can start either:
//
//   node smtp_node_server.js --port 0 --outdir DIR [--tls-cert PEM --tls-key PEM
//       [--require-tls | --implicit-tls]] [--user NAME (--password TEXT | --password-file PATH)]
//       [--login-username-prompt TEXT] [--login-password-prompt TEXT] [--stock-login-prompts]
//       [--reject-rcpt TEXT] [--tempfail-rcpt TEXT] [--smtputf8]
//
// It listens on 127.0.0.1 only and stores each accepted message in --outdir as NNNN.eml (the
// DATA bytes after dot-unstuffing, up to and including the CRLF before the final ".") and
// NNNN.json ({mail_from, rcpt_tos, mail_options, rcpt_options, auth_user, tls, peer, size}),
// each written to a temporary name and renamed, the .eml first.
//
// Where the two servers differ:
// - smtp-server waits 100 ms before its greeting on every connection, to catch clients that
//   talk first, so a new connection per message is slow.
// - With --require-tls, MAIL FROM before STARTTLS gets 530, and AUTH gets 538 as it does whenever
//   a certificate is given. aiosmtpd replies 530 to every command but EHLO, NOOP, STARTTLS and
//   QUIT.
// - smtp-server's own AUTH LOGIN challenges are already "Username:" and "Password:", so
//   --stock-login-prompts changes nothing here.
// - smtp-server un-stuffs a dot after a bare LF as well; aiosmtpd only at the start of a line
//   that follows CRLF.
//
// NODE_PATH names the folder with node_modules. Unset means the project's .peers/node_modules,
// where scripts/setup.sh installs the package.
//
// Prints exactly "READY <port>" on stdout once listening. Exits 0 on SIGTERM or SIGINT, 2 on an
// invalid option or a missing package, 3 when the port is taken, and 1 when listening fails for
// another reason.
'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');
const { parseArgs } = require('util');

const kName = 'smtp_node_server.js';
const kHost = '127.0.0.1';
const kExitInvalidOption = 2;
const kExitPortInUse = 3;
// The same limits as aiosmtpd's defaults in smtp_server.py: SIZE 32 MiB and a 120 s idle timeout.
const kMaxMessageBytes = 33554432;
const kIdleTimeoutMs = 120000;
// How long open connections may finish after SIGTERM before they get 421 and are closed.
const kCloseTimeoutMs = 100;
// smtp-server's AUTH LOGIN challenges as it sends them: base64 of "Username:" and "Password:".
const kStockUsernameChallenge = 'VXNlcm5hbWU6';
const kStockPasswordChallenge = 'UGFzc3dvcmQ6';
const kPeersModules = path.resolve(__dirname, '..', '..', '.peers', 'node_modules');

function fail(exitCode, message) {
  process.stderr.write(`${kName}: ${message}\n`);
  process.exit(exitCode);
}

function parseOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '2525' },
        outdir: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'require-tls': { type: 'boolean', default: false },
        'implicit-tls': { type: 'boolean', default: false },
        user: { type: 'string' },
        password: { type: 'string' },
        'password-file': { type: 'string' },
        'login-username-prompt': { type: 'string', default: 'Username:' },
        'login-password-prompt': { type: 'string', default: 'Password:' },
        'stock-login-prompts': { type: 'boolean', default: false },
        'reject-rcpt': { type: 'string' },
        'tempfail-rcpt': { type: 'string' },
        smtputf8: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    fail(kExitInvalidOption, error.message);
  }
  if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) {
    fail(kExitInvalidOption, `invalid --port '${values.port}'; expected 0 to 65535 (0 lets the OS choose)`);
  }
  if (!values.outdir) fail(kExitInvalidOption, '--outdir is required');
  const hasCertificate = values['tls-cert'] !== undefined;
  if (hasCertificate !== (values['tls-key'] !== undefined)) {
    fail(kExitInvalidOption, '--tls-cert and --tls-key go together; give both or neither');
  }
  if (values['require-tls'] && !hasCertificate) {
    fail(kExitInvalidOption, '--require-tls needs --tls-cert and --tls-key');
  }
  if (values['implicit-tls'] && !hasCertificate) {
    fail(kExitInvalidOption, '--implicit-tls needs --tls-cert and --tls-key');
  }
  if (values['implicit-tls'] && values['require-tls']) {
    fail(kExitInvalidOption, '--require-tls applies to STARTTLS; with --implicit-tls every ' +
                                 'command is already encrypted, so give only one of them');
  }
  if (values.password !== undefined && values['password-file'] !== undefined) {
    fail(kExitInvalidOption, 'give --password or --password-file, not both');
  }
  if (values['password-file'] !== undefined) {
    try {
      values.password = fs.readFileSync(values['password-file'], 'utf-8').replace(/[\r\n]+$/, '');
    } catch (error) {
      fail(kExitInvalidOption, `cannot read --password-file: ${error.message}`);
    }
  }
  if ((values.user === undefined) !== (values.password === undefined)) {
    fail(kExitInvalidOption, '--user needs --password or --password-file, and they need --user');
  }
  return values;
}

// Loads smtp-server and its connection module from NODE_PATH, or from .peers/node_modules.
function loadPackage() {
  const searched = process.env.NODE_PATH || kPeersModules;
  const requirePeer = process.env.NODE_PATH
      ? require
      : createRequire(path.join(path.dirname(kPeersModules), 'package.json'));
  try {
    return {
      SMTPServer: requirePeer('smtp-server').SMTPServer,
      SMTPConnection: requirePeer('smtp-server/lib/smtp-connection.js').SMTPConnection,
    };
  } catch (error) {
    fail(kExitInvalidOption, `cannot load the npm package smtp-server from ${searched}: ` +
                                 `${error.message}; run scripts/setup.sh, which installs it`);
  }
}

// Replaces smtp-server's AUTH LOGIN challenges, which it sends through SMTPConnection.send
// with fixed text, by the prompts that the options name.
function setLoginPrompts(SMTPConnection, usernamePrompt, passwordPrompt) {
  const replacements = new Map([
    [kStockUsernameChallenge, Buffer.from(usernamePrompt, 'utf-8').toString('base64')],
    [kStockPasswordChallenge, Buffer.from(passwordPrompt, 'utf-8').toString('base64')],
  ]);
  const send = SMTPConnection.prototype.send;
  SMTPConnection.prototype.send = function sendWithPrompts(code, data, context) {
    if (code === 334 && replacements.has(data)) data = replacements.get(data);
    return send.call(this, code, data, context);
  };
}

function smtpError(code, message) {
  return Object.assign(new Error(message), { responseCode: code });
}

// Returns ESMTP parameters as smtp_server.py records them: "KEY=VALUE" or "KEY", upper-cased.
function formatParameters(args) {
  if (!args) return [];
  return Object.entries(args).map(
      ([key, value]) => (value === true ? key : `${key}=${value}`).toUpperCase());
}

function writeAtomically(file, data) {
  fs.writeFileSync(`${file}.tmp`, data);
  fs.renameSync(`${file}.tmp`, file);
}

function main() {
  const options = parseOptions();
  const { SMTPServer, SMTPConnection } = loadPackage();
  if (!options['stock-login-prompts']) {
    setLoginPrompts(SMTPConnection, options['login-username-prompt'],
                    options['login-password-prompt']);
  }
  fs.mkdirSync(options.outdir, { recursive: true });

  let tls = {};
  const hasCertificate = options['tls-cert'] !== undefined;
  if (hasCertificate) {
    try {
      tls = { cert: fs.readFileSync(options['tls-cert']), key: fs.readFileSync(options['tls-key']) };
    } catch (error) {
      fail(kExitInvalidOption, `cannot read --tls-cert or --tls-key: ${error.message}`);
    }
  }
  const authEnabled = options.user !== undefined;
  const disabledCommands = [];
  // Without a certificate smtp-server would use a built-in one, so STARTTLS is disabled.
  if (!hasCertificate || options['implicit-tls']) disabledCommands.push('STARTTLS');
  if (!authEnabled) disabledCommands.push('AUTH');

  let sequence = 0;
  const server = new SMTPServer({
    ...tls,
    secure: options['implicit-tls'],
    name: 'localhost',
    logger: false,
    // Each connection would otherwise look up the client's address in DNS first.
    disableReverseLookup: true,
    size: kMaxMessageBytes,
    socketTimeout: kIdleTimeoutMs,
    closeTimeout: kCloseTimeoutMs,
    disabledCommands,
    hideSMTPUTF8: !options.smtputf8,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: !authEnabled,
    // AUTH waits for TLS when the server has a certificate, as in smtp_server.py.
    allowInsecureAuth: !hasCertificate,
    onAuth(auth, session, callback) {
      if (auth.username === options.user && auth.password === options.password) {
        return callback(null, { user: auth.username });
      }
      return callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
    },
    onMailFrom(address, session, callback) {
      if (options['require-tls'] && !session.secure) {
        return callback(smtpError(530, '5.7.0 Must issue a STARTTLS command first'));
      }
      // smtp-server accepts the parameter even when it hides the extension.
      if (!options.smtputf8 && address.args && address.args.SMTPUTF8 !== undefined) {
        return callback(smtpError(501, '5.5.4 SMTPUTF8 is not offered'));
      }
      return callback();
    },
    onRcptTo(address, session, callback) {
      const recipient = address.address;
      if (options['reject-rcpt'] && recipient.includes(options['reject-rcpt'])) {
        return callback(smtpError(550, '5.1.1 Mailbox unavailable (rejected by --reject-rcpt)'));
      }
      if (options['tempfail-rcpt'] && recipient.includes(options['tempfail-rcpt'])) {
        return callback(smtpError(451, '4.3.0 Temporary failure (from --tempfail-rcpt)'));
      }
      return callback();
    },
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (chunk) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.sizeExceeded) {
          return callback(smtpError(552, '5.3.4 Message exceeds the maximum size'));
        }
        const content = Buffer.concat(chunks);
        const envelope = session.envelope;
        const record = {
          mail_from: envelope.mailFrom ? envelope.mailFrom.address : null,
          rcpt_tos: envelope.rcptTo.map((recipient) => recipient.address),
          mail_options: formatParameters(envelope.mailFrom && envelope.mailFrom.args),
          rcpt_options: envelope.rcptTo.map((recipient) => formatParameters(recipient.args)),
          auth_user: session.user || null,
          tls: Boolean(session.secure),
          peer: [session.remoteAddress, session.remotePort],
          size: content.length,
        };
        sequence += 1;
        const base = path.join(options.outdir, String(sequence).padStart(4, '0'));
        try {
          writeAtomically(`${base}.eml`, content);
          writeAtomically(`${base}.json`, JSON.stringify(record));
        } catch (error) {
          process.stderr.write(`${kName}: cannot store message ${base}: ${error.message}\n`);
          return callback(smtpError(451, '4.3.0 Cannot store the message'));
        }
        return callback(null, `2.0.0 OK stored ${path.basename(base)}`);
      });
    },
  });

  const port = Number(options.port);
  let listening = false;
  server.on('error', (error) => {
    if (error.code === 'EADDRINUSE') {
      fail(kExitPortInUse, `port ${port} on ${kHost} is already in use; ` +
                               `find its process with: ss -ltnp 'sport = :${port}'`);
    }
    if (!listening) fail(1, `cannot listen on ${kHost}:${port}: ${error.message}`);
    // Errors of one connection, such as a failed TLS handshake, leave the server running.
    process.stderr.write(`${kName}: ${error.message}\n`);
  });
  server.listen(port, kHost, () => {
    listening = true;
    process.stdout.write(`READY ${server.server.address().port}\n`);
  });

  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
