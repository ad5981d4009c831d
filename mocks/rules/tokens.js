// Bearer tokens: who a request's token is (checked before the body is read, as the real service
// does), and the tokens logins and refreshes hand out.
import { refusalChoice } from './decide.js';
import { sha256Hex } from '../store/random.js';

/** @import { Choice, Identity, RuleContext, Settings } from './decide.js' */
/** @import { Draft } from './draft.js' */
/** @import { ScenarioSet } from './scenarios.js' */
/** @import { Tenant } from '../store/tenants.js' */
/** @import { OperationModel, Role } from '../types.js' */
/** @import { Path } from '../answers/fill.js' */

export const DEFAULT_TOKEN_SECONDS = 86_400;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The role a JWT-shaped token claims (`role: "User" | "Admin"`, as the sandbox's own tokens do), or
 * null when it claims none: a token from before a reset or a restart keeps the kind it was issued for.
 * @param {string} token
 * @returns {Role | null}
 */
export function claimedRole(token) {
  const parts = token.split('.');
  const payload = parts[1];
  // A JSON object's base64url starts "ey": anything else claims nothing, without atob throwing (a
  // DOMException per request is most of this function's cost).
  if (parts.length !== 3 || !payload || payload.length > 4096 || !payload.startsWith('ey') || !BASE64URL.test(payload)) return null;
  try {
    const claims = JSON.parse(
      atob(
        payload
          .replace(/-/g, '+')
          .replace(/_/g, '/')
          .padEnd(Math.ceil(payload.length / 4) * 4, '='),
      ),
    );
    const role = typeof claims?.role === 'string' ? claims.role.toLowerCase() : null;
    return role === 'admin' || role === 'user' ? role : null;
  } catch {
    return null;
  }
}

/** @param {ScenarioSet} scenarios @param {string} why */
const unauthorized = (scenarios, why) => ({ refused: refusalChoice(scenarios, [[401, 'unauthorized']], why, [{ field: 'Authorization', message: why }]) });
/** @param {ScenarioSet} scenarios */
const expired = (scenarios) => ({
  refused: refusalChoice(scenarios, [[401, 'tokenExpired']], 'The access token has expired.', [{ field: 'Authorization', message: 'The access token has expired.' }]),
});
/** @param {ScenarioSet} scenarios @param {OperationModel} operation @param {Role} role */
const wrongKind = (scenarios, operation, role) => {
  const needed = operation.roles.join(' or ');
  const why = `${role === 'admin' ? 'An' : 'A'} ${role} token may not call ${operation.id}, which needs ${/^[aeiou]/.test(needed) ? 'an' : 'a'} ${needed} token.`;
  return {
    refused: refusalChoice(
      scenarios,
      [
        [403, 'forbidden'],
        [401, 'unauthorized'],
      ],
      why,
      [{ field: 'Authorization', message: why }],
    ),
  };
};

/**
 * Who the bearer token is, for an operation that needs one: `{ identity }` (null when the operation
 * needs no token), or `{ refused }` with the 401 or 403 to answer. Issued tokens are looked up
 * (expired: 401 tokenExpired; the wrong kind: 403). A well-formed token the sandbox never issued is
 * a user of the tenant, or an admin where the operation needs one, unless tokens are strict; one that
 * claims a kind (a sandbox token from before a reset) keeps it.
 * @param {Tenant} tenant
 * @param {{ operation: OperationModel, scenarios: ScenarioSet, token: string, now: number, settings: Settings }} request
 * @returns {{ identity: Identity | null } | { refused: Choice }}
 */
export function authorize(tenant, { operation, scenarios, token, now, settings }) {
  if (operation.roles.length === 0 || settings.stateless) return { identity: null };
  const issued = tenant.tokens.get(token);
  if (issued) {
    if (issued.expired || issued.expiresAt <= now) return expired(scenarios);
    if (!operation.roles.includes(issued.role)) return wrongKind(scenarios, operation, issued.role);
    if (issued.role === 'user' && !tenant.users.has(/** @type {number} */ (issued.userId)))
      return unauthorized(scenarios, 'The user of this token no longer exists in the sandbox.');
    return { identity: { role: issued.role, userId: issued.userId, issued: true } };
  }
  if (settings.strictTokens) return unauthorized(scenarios, 'This bearer token was not issued by the sandbox (it runs with --strict-tokens): log in first.');
  const claimed = claimedRole(token);
  if (claimed && !operation.roles.includes(claimed)) return wrongKind(scenarios, operation, claimed);
  const role = claimed ?? (operation.roles.includes('user') ? 'user' : 'admin');
  const digest = sha256Hex(token);
  const known = tenant.implicitUsers.get(digest);
  if (known?.expired) return expired(scenarios);
  const userId = role === 'user' ? (known?.userId ?? null) : null;
  if (userId !== null && !tenant.users.has(userId)) return unauthorized(scenarios, 'The user of this token no longer exists in the sandbox.');
  return { identity: { role, userId, issued: false, implicit: { digest, known: Boolean(known) && (role === 'admin' || userId !== null) } } };
}

/**
 * Issues an access token (and a refresh token) for a role and a user, with the lifetime the answer's
 * example reports.
 * @param {RuleContext} context
 * @param {{ role: Role, userId: number | null, example: any, refresh?: boolean }} options
 */
export function issueTokens(context, { role, userId, example, refresh = true }) {
  const { state, make, now } = context;
  const data = example?.data ?? {};
  const lifetimeSeconds = Number.isInteger(data.expireInSeconds) ? data.expireInSeconds : DEFAULT_TOKEN_SECONDS;
  const access = make.access({ role, subject: userId ?? 'admin', lifetimeSeconds, now });
  state.touch().tokens.push({ token: access.token, role, userId, expiresAt: access.expiresAt, expired: false });
  /** @type {{ accessToken: string, expireInSeconds: number, refreshToken?: string, encryptedAccessToken: string }} */
  const tokens = { accessToken: access.token, expireInSeconds: lifetimeSeconds, encryptedAccessToken: make.encrypted() };
  if (refresh) {
    tokens.refreshToken = make.refresh();
    state.touch().refreshTokens.push({ token: tokens.refreshToken, role, userId });
  }
  return tokens;
}

/**
 * Fill for the token members the example has (`set` only writes members the example declares).
 * @param {ReturnType<typeof issueTokens>} tokens
 * @param {{ newRefreshToken?: boolean }} [options]
 * @returns {[Path, unknown][]}
 */
export function tokenFill(tokens, { newRefreshToken = false } = {}) {
  /** @type {[Path, unknown][]} */
  const set = [
    [['data', 'accessToken'], tokens.accessToken],
    [['data', 'encryptedAccessToken'], tokens.encryptedAccessToken],
    [['data', 'expireInSeconds'], tokens.expireInSeconds],
  ];
  if (tokens.refreshToken) set.push([['data', 'refreshToken'], tokens.refreshToken]);
  if (newRefreshToken && tokens.refreshToken) set.push([['data', 'newRefreshToken'], tokens.refreshToken]);
  return set;
}

/**
 * Whether an OTP request confirms a target: the sandbox's OTP sent with the request's id, or a request already confirmed.
 * @param {Draft} state
 * @param {Settings} settings
 * @param {{ id: unknown, channel: 'phone' | 'email', target: unknown, otp: unknown }} sent
 */
export function validOtp(state, settings, { id, channel, target, otp }) {
  const record = typeof id === 'string' ? state.otp(id) : null;
  if (!record || record.channel !== channel || record.target !== target) return false;
  return record.confirmed || otp === settings.otp;
}
