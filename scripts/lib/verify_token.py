"""Verifies one of our access tokens as another service would, with PyJWT (no code of ours):
PyJWKClient fetches the running server's JWKS and picks the key named by the token's `kid`,
which checks the signature; the issuer and audience must be ours.

usage: verify_token.py <base url> <token> accepted|refused
"""
import sys

import jwt


def main():
    base, token, expected = sys.argv[1:4]
    # No caching: each run reads the key set as it is now (a retired key must be gone).
    client = jwt.PyJWKClient(f"{base}/.well-known/jwks.json", cache_keys=False, cache_jwk_set=False)
    try:
        key = client.get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=["ES256"], issuer="rust-auth", audience="rust-auth")
        outcome, detail = "accepted", f"sub {claims['sub']}, key {key.key_id}"
    except jwt.PyJWTError as err:
        outcome, detail = "refused", f"{type(err).__name__}: {err}"
    print(f"PyJWT {outcome} the token ({detail}); expected: {expected}")
    sys.exit(0 if outcome == expected else 1)


main()
