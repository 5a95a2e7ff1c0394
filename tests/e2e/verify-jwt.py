"""The README's offline verifier (pyjwt), run by tests/api/oidc_e2e.rs: checks a JWT access
token with the JWKS that `gatehouse jwks export` wrote, and no call to Gatehouse.
Usage: verify-jwt.py JWKS_FILE TOKEN_FILE ISSUER; prints the subject and the roles."""
import json
import sys

import jwt

keys = {k["kid"]: k for k in json.load(open(sys.argv[1]))["keys"]}


def check(token, issuer):
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(keys[kid])
    claims = jwt.decode(token, key, algorithms=[key.algorithm_name], issuer=issuer,
                        options={"verify_aud": False})
    return claims["sub"], claims["memberships"]


who, roles = check(open(sys.argv[2]).read().strip(), sys.argv[3])
print(f"verified: {who} with {len(roles)} memberships")
