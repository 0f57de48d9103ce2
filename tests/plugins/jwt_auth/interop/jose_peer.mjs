// Signs or verifies a JWT with npm `jose`, for the interop tests of jwt-auth.
//
//   node jose_peer.mjs sign ALG KEY_FILE CLAIMS_FILE [KID]
//       prints the compact token; the header is {"alg":ALG,"typ":"JWT"} plus kid when given.
//   node jose_peer.mjs verify ALG KEY_FILE TOKEN ISSUER AUDIENCE
//       prints the verified payload as JSON and exits 0, or prints the error and exits 1.
//
// KEY_FILE contains the HMAC secret for HS* (the file's bytes are the secret), a PKCS#8 PEM
// private key for signing, or an SPKI PEM public key for verifying. jose is loaded from
// $OUTBOUND_PEERS_DIR/node_modules; exit code 2 means jose or an argument is missing.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const usage = 'usage: jose_peer.mjs sign ALG KEY_FILE CLAIMS_FILE [KID] | ' +
  'verify ALG KEY_FILE TOKEN ISSUER AUDIENCE';

async function loadJose() {
  const peers = process.env.OUTBOUND_PEERS_DIR;
  if (!peers) throw new Error('OUTBOUND_PEERS_DIR is not set');
  const require = createRequire(path.join(peers, 'package.json'));
  return import(pathToFileURL(require.resolve('jose')).href);
}

async function importKey(jose, alg, file, forSigning) {
  if (alg.startsWith('HS')) return new Uint8Array(readFileSync(file));
  const pem = readFileSync(file, 'utf8');
  return forSigning ? jose.importPKCS8(pem, alg) : jose.importSPKI(pem, alg);
}

async function main(args) {
  let jose;
  try {
    jose = await loadJose();
  } catch (error) {
    console.error(`cannot load jose: ${error.message}`);
    return 2;
  }
  const [command, alg, keyFile, ...rest] = args;
  if (command === 'sign' && rest.length >= 1) {
    const [claimsFile, kid] = rest;
    const claims = JSON.parse(readFileSync(claimsFile, 'utf8'));
    const header = kid ? { alg, typ: 'JWT', kid } : { alg, typ: 'JWT' };
    const token = await new jose.SignJWT(claims)
      .setProtectedHeader(header)
      .sign(await importKey(jose, alg, keyFile, true));
    console.log(token);
    return 0;
  }
  if (command === 'verify' && rest.length === 3) {
    const [token, issuer, audience] = rest;
    try {
      const { payload } = await jose.jwtVerify(token, await importKey(jose, alg, keyFile, false), {
        algorithms: [alg],
        issuer,
        audience,
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      console.log(JSON.stringify(payload));
      return 0;
    } catch (error) {
      console.log(JSON.stringify({ error: error.code || error.name, message: error.message }));
      return 1;
    }
  }
  console.error(usage);
  return 2;
}

process.exitCode = await main(process.argv.slice(2));
