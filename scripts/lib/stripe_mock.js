#!/usr/bin/env node
// Runs the npm package stripe-stateful-mock 0.0.16, an in-memory Stripe API of API version
// 2020-08-27, on 127.0.0.1 only, for the tests and the demo. The package's own command listens
// on every interface, so this launcher builds the same Express app and binds it to loopback.
//
// Environment:
//   PORT       TCP port on 127.0.0.1, or 0 to let the kernel choose one (default 12111).
//   LOG_LEVEL  the mock's loglevel level: trace, debug, info, warn, error or silent (default warn).
//   TLS_CERT, TLS_KEY  PEM certificate and private key; when both are set the port serves HTTPS.
//   NODE_PATH  where node_modules are; unset means the project's .peers/node_modules, where
//              scripts/setup.sh installs the package.
//
// Prints exactly "READY <port>" on stdout once listening, and errors on stderr. Exits 0 on
// SIGTERM or SIGINT, 2 on an invalid setting or a missing package, 3 when the port is taken, and
// 1 when listening fails for another reason.
//
// Besides the mock's /v1 routes, which all require "Authorization: Bearer sk_test_...", it serves
// a journal of the requests it received, without authentication:
//   GET    /__journal  JSON array, oldest first, of {method, path, query, headers, body,
//                      raw_body, status}
//   DELETE /__journal  clears the journal
'use strict';

const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const { createRequire } = require('module');

const kName = 'stripe_mock.js';
const kExitInvalidSetting = 2;
const kExitPortInUse = 3;
// Oldest entries are dropped past this many, so a long demo or benchmark cannot exhaust memory.
const kMaxJournalEntries = 10000;
// Request headers copied into the journal: the ones a Stripe client sets or a test checks.
const kJournalHeaders = [
  'authorization',
  'idempotency-key',
  'stripe-version',
  'stripe-account',
  'content-type',
  'user-agent',
  'x-stripe-client-user-agent',
  'x-request-id',
];

function fail(exitCode, message) {
  process.stderr.write(`${kName}: ${message}\n`);
  process.exit(exitCode);
}

const kPeersModules = path.resolve(__dirname, '..', '..', '.peers', 'node_modules');

function parsePort(text) {
  if (text === undefined || text === '') return 12111;
  if (!/^\d+$/.test(text) || Number(text) > 65535) {
    fail(kExitInvalidSetting, `invalid PORT '${text}'; expected 0 to 65535 (0 lets the OS choose)`);
  }
  return Number(text);
}

// Loads the mock and, from where the mock itself finds them, express, body-parser and
// loglevel, so the journal parses bodies exactly as the mock does and LOG_LEVEL reaches the
// mock's logger. Node searches NODE_PATH by itself. Without NODE_PATH the search starts in
// .peers/node_modules.
function loadPackages() {
  const searched = process.env.NODE_PATH || kPeersModules;
  const requirePeer = process.env.NODE_PATH
      ? require
      : createRequire(path.join(path.dirname(kPeersModules), 'package.json'));
  try {
    const mockMain = requirePeer.resolve('stripe-stateful-mock');
    const requireFromMock = createRequire(mockMain);
    return {
      mock: requireFromMock(mockMain),
      express: requireFromMock('express'),
      bodyParser: requireFromMock('body-parser'),
      log: requireFromMock('loglevel'),
    };
  } catch (error) {
    fail(kExitInvalidSetting,
         `cannot load the npm package stripe-stateful-mock from ${searched}: ${error.message}; ` +
             'run scripts/setup.sh, which installs it');
  }
}

// Returns the middleware that parses every body once and keeps its text in req.rawBody.
//
// A form body is parsed here with the same parser and options as the mock's own
// (body-parser urlencoded, extended), and body-parser marks the request as parsed, so the
// mock's parser skips it and the mock gets the same req.body. Any other body, which the mock
// ignores, is read as bytes only for the journal, and req.body is left as {} as the mock would
// leave it.
function bodyCapture(bodyParser) {
  const keepText = (req, res, buffer, encoding) => {
    req.rawBody = buffer.toString(encoding || 'utf-8');
  };
  const isForm = (req) => Boolean(req.is('application/x-www-form-urlencoded'));
  const form = bodyParser.urlencoded({ extended: true, verify: keepText });
  const other = bodyParser.raw({ type: (req) => !isForm(req), limit: '10mb', verify: keepText });
  return [
    form,
    (req, res, next) => {
      other(req, res, (error) => {
        if (Buffer.isBuffer(req.body)) req.body = {};
        next(error);
      });
    },
  ];
}

function createApp(packages) {
  const { express, bodyParser, mock } = packages;
  const journal = [];
  const app = express();

  app.get('/__journal', (req, res) => res.json(journal));
  app.delete('/__journal', (req, res) => {
    journal.length = 0;
    res.json({ cleared: true });
  });

  // Each request is recorded once its response is sent, including one whose body is rejected.
  app.use((req, res, next) => {
    const headers = {};
    for (const name of kJournalHeaders) {
      if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    }
    const entry = { method: req.method, path: req.path, query: req.query, headers };
    res.on('finish', () => {
      entry.body = req.journalBody || {};
      entry.raw_body = req.rawBody || '';
      entry.status = res.statusCode;
      if (journal.length >= kMaxJournalEntries) journal.shift();
      journal.push(entry);
    });
    next();
  });
  app.use(bodyCapture(bodyParser));
  app.use((req, res, next) => {
    // A copy taken before the mock runs, in case a handler changes req.body.
    req.journalBody = JSON.parse(JSON.stringify(req.body || {}));
    next();
  });
  app.use(mock.createExpressApp());
  // Reached only by a body that body-parser rejects (too large, bad encoding), because the
  // mock's app responds to every request that gets to it.
  app.use((error, req, res, next) => {
    res.status(error.status || 500).json({
      error: { type: 'invalid_request_error', message: `Invalid request body: ${error.message}` },
    });
  });
  return app;
}

function createServer(app) {
  const certificate = process.env.TLS_CERT;
  const privateKey = process.env.TLS_KEY;
  if (!certificate && !privateKey) return http.createServer(app);
  if (!certificate || !privateKey) {
    fail(kExitInvalidSetting, 'HTTPS needs both TLS_CERT and TLS_KEY; set both or neither');
  }
  let options;
  try {
    options = { cert: fs.readFileSync(certificate), key: fs.readFileSync(privateKey) };
  } catch (error) {
    fail(kExitInvalidSetting, `cannot read the TLS certificate or key: ${error.message}`);
  }
  return https.createServer(options, app);
}

function main() {
  const port = parsePort(process.env.PORT);
  const packages = loadPackages();
  try {
    packages.log.setLevel(process.env.LOG_LEVEL || 'warn');
  } catch (error) {
    fail(kExitInvalidSetting, `invalid LOG_LEVEL '${process.env.LOG_LEVEL}'; expected trace, ` +
                                  'debug, info, warn, error or silent');
  }
  const server = createServer(createApp(packages));

  server.on('error', (error) => {
    if (error.code === 'EADDRINUSE') {
      fail(kExitPortInUse, `port ${port} on 127.0.0.1 is already in use; ` +
                               `find its process with: ss -ltnp 'sport = :${port}'`);
    }
    fail(1, `cannot listen on 127.0.0.1:${port}: ${error.message}`);
  });
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`READY ${server.address().port}\n`);
  });

  const stop = () => {
    server.close(() => process.exit(0));
    // Keep-alive connections would hold close() open, and the state is in memory only.
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
