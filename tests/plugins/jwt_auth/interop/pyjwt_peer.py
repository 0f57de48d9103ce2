"""Sign or verify a JWT with PyJWT, for the interop tests of jwt-auth.

    pyjwt_peer.py sign ALG KEY_FILE CLAIMS_FILE [KID]
        prints the compact token; PyJWT adds "typ": "JWT" to the header, and kid when given.
    pyjwt_peer.py verify ALG KEY_FILE TOKEN ISSUER AUDIENCE
        prints the verified payload as JSON and exits 0, or prints the error and exits 1.

KEY_FILE contains the HMAC secret for HS* (the file's bytes are the secret), a PKCS#8 PEM private
key for signing, or an SPKI PEM public key for verifying. Run it with the Debian python3 that
has python3-jwt (PyJWT 2.6) and python3-cryptography; exit code 2 means PyJWT or an argument is
missing.
"""

import json
import sys


def main(args):
    try:
        import jwt  # pylint: disable=import-outside-toplevel
    except ImportError as error:
        print(f"cannot import PyJWT: {error}", file=sys.stderr)
        return 2

    if len(args) >= 4 and args[0] == "sign":
        _, alg, key_file, claims_file = args[:4]
        kid = args[4] if len(args) > 4 else None
        with open(key_file, "rb") as key, open(claims_file, encoding="utf-8") as claims:
            headers = {"kid": kid} if kid else None
            print(jwt.encode(json.load(claims), key.read(), algorithm=alg, headers=headers))
        return 0

    if len(args) == 6 and args[0] == "verify":
        _, alg, key_file, token, issuer, audience = args
        with open(key_file, "rb") as key:
            material = key.read()
        try:
            payload = jwt.decode(token, material, algorithms=[alg], issuer=issuer,
                                 audience=audience, options={"require": ["exp", "iat", "sub"]})
        except jwt.InvalidTokenError as error:
            print(json.dumps({"error": type(error).__name__, "message": str(error)}))
            return 1
        print(json.dumps(payload))
        return 0

    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
