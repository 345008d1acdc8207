// Verifies one of our access tokens as another service would, with `jose` (no code of ours):
// the keys come from the running server's JWKS, the one named by the token's `kid` checks the
// signature, and the issuer and audience must be ours.
//
// usage: node tools/verify-token.mjs <base url> <token> accepted|refused
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [base, token, expected] = process.argv.slice(2);
const keys = createRemoteJWKSet(new URL('/.well-known/jwks.json', base));
let outcome;
let detail;
try {
  const { payload, protectedHeader } = await jwtVerify(token, keys, {
    issuer: 'rust-auth',
    audience: 'rust-auth',
    algorithms: ['ES256'],
  });
  outcome = 'accepted';
  detail = `sub ${payload.sub}, key ${protectedHeader.kid}`;
} catch (error) {
  outcome = 'refused';
  detail = error.code || error.message;
}
console.log(`jose ${outcome} the token (${detail}); expected: ${expected}`);
process.exit(outcome === expected ? 0 : 1);
