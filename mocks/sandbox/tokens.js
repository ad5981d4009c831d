// Tokens the sandbox issues: JWT-shaped (header.payload.signature, base64url), signed with HMAC-SHA256
// by a key made at start, with `exp` = `iat` + the `expireInSeconds` the answer reports. Nothing outside
// the sandbox checks the signature; the shape is what clients and their tests look at.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

export function createTokenFactory(secret = randomBytes(32)) {
  return {
    /** `{ token, expiresAt }` (ms since the epoch) for a `role` ('user' or 'admin') and a subject. */
    access({ role, subject, lifetimeSeconds, now }) {
      const iat = Math.floor(now / 1000);
      const payload = Buffer.from(
        JSON.stringify({ sub: String(subject), role: role === 'admin' ? 'Admin' : 'User', iat, exp: iat + lifetimeSeconds, jti: randomUUID(), iss: 'vlens-mock-sandbox' }),
      ).toString('base64url');
      const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
      return { token: `${HEADER}.${payload}.${signature}`, expiresAt: (iat + lifetimeSeconds) * 1000 };
    },
    refresh: () => `rt_${randomBytes(18).toString('base64url')}`,
    /** The `encryptedAccessToken` some answers carry: opaque base64 here. */
    encrypted: () => randomBytes(48).toString('base64'),
    uuid: () => randomUUID(),
  };
}
