// Tokens the sandbox issues: JWT-shaped (header.payload.signature, base64url), signed with HMAC-SHA256
// by a key made at start (from the seed, when there is one), with `exp` = `iat` + the
// `expireInSeconds` the answer reports. Nothing outside the sandbox checks the signature; the shape is
// what clients and their tests look at.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64, toBase64Url } from './random.js';

/** @import { Random } from './random.js' */
/** @import { Role } from '../types.js' */

const encoder = new TextEncoder();
const HEADER = toBase64Url(encoder.encode(JSON.stringify({ alg: 'HS256', typ: 'JWT' })));

/** @param {Random} random */
export function createTokenFactory(random) {
  const secret = random.bytes(32);
  return {
    /**
     * An access token for a role and a subject; `expiresAt` in ms since the epoch.
     * @param {{ role: Role, subject: string | number, lifetimeSeconds: number, now: number }} claims
     */
    access({ role, subject, lifetimeSeconds, now }) {
      const iat = Math.floor(now / 1000);
      const payload = toBase64Url(
        encoder.encode(
          JSON.stringify({ sub: String(subject), role: role === 'admin' ? 'Admin' : 'User', iat, exp: iat + lifetimeSeconds, jti: random.uuid(), iss: 'vlens-mock-sandbox' }),
        ),
      );
      const signature = toBase64Url(hmac(sha256, secret, encoder.encode(`${HEADER}.${payload}`)));
      return { token: `${HEADER}.${payload}.${signature}`, expiresAt: (iat + lifetimeSeconds) * 1000 };
    },
    refresh: () => `rt_${toBase64Url(random.bytes(18))}`,
    /** The `encryptedAccessToken` some answers carry: opaque base64 here. */
    encrypted: () => toBase64(random.bytes(48)),
    uuid: () => random.uuid(),
  };
}

/** @typedef {ReturnType<typeof createTokenFactory>} TokenFactory */
