// Renewing an expired bearer token, loaded on the first 401 (or the first request with no token)
// of a client that has `refreshAccessToken`: one refresh per expired token, shared by every call
// that holds it.
import { VlensInputError } from "./errors.js";
import { checkHeaderValue } from "./headers.js";
import type { RefreshAccessToken, TokenKind } from "./transport.js";
import type { OperationId } from "./types.js";

// The tokens a refresh replaced, kept to answer late 401s; a few suffice.
const replacedKept = 32;

/** What the client knows about the tokens of one kind (user or admin) beyond the one it is given. */
interface TokenState {
  /** The token the last refresh returned. */
  current: string | undefined;
  /** Tokens a refresh replaced: a 401 for one of them is retried with `current`. */
  replaced: Set<string>;
  /** The refresh under way, and the tokens whose 401s wait for it. */
  pending: { from: Set<string>; token: Promise<string> } | undefined;
  /** The last failed refresh: a 401 for one of `from` sent before it failed fails with the same error. */
  failed: { from: Set<string>; error: unknown; sentBefore: number } | undefined;
}

export interface RefreshHooks {
  refreshAccessToken: RefreshAccessToken;
  /** Keeps a new token among the secrets errors are redacted of; returns it. */
  remember(token: string): string;
  /** A token function's failure as the client's error. */
  hookFailed(field: "refreshAccessToken", error: unknown): Promise<never>;
  /** Requests sent so far: orders a 401 against the refresh that failed while it was under way. */
  sentCount(): number;
  /** Called with each new token. */
  renewedTo(token: string): void;
}

export interface Refresher {
  /** The token to send instead of `token`, when a refresh replaced it (a token function's store is behind). */
  replacement(kind: TokenKind, token: string): string | undefined;
  /** How a 401 for `stale` is answered, for the log line. */
  how(kind: TokenKind, stale: string): string;
  /**
   * The token to retry with after a 401 for `stale` (sent as request number `sequence`): the one
   * a refresh under way will return, the one that already replaced `stale`, the error of the
   * refresh that just failed for it, or else a new refresh's. Undefined as soon as the caller's
   * `signal` aborts: the caller stops waiting, the refresh goes on for the others.
   */
  renewed(kind: TokenKind, operation: OperationId, stale: string, sequence: number, signal?: AbortSignal | null): Promise<string | undefined>;
}

/** `wait`, or undefined as soon as `signal` aborts. */
function untilAborted(wait: Promise<string>, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const stop = () => resolve(undefined);
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop, { once: true });
    wait.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}

export function createRefresher(hooks: RefreshHooks): Refresher {
  const states: Record<TokenKind, TokenState> = {
    user: { current: undefined, replaced: new Set(), pending: undefined, failed: undefined },
    admin: { current: undefined, replaced: new Set(), pending: undefined, failed: undefined },
  };
  const replacedBy = ({ current, replaced }: TokenState, token: string) => (current !== undefined && replaced.has(token) ? current : undefined);

  return {
    replacement: (kind, token) => replacedBy(states[kind], token),
    how: (kind, stale) => (!states[kind].pending && replacedBy(states[kind], stale) !== undefined ? "retrying with the token that replaced it" : "renewing it"),

    renewed(kind, operation, stale, sequence, signal) {
      const token = shared(kind, operation, stale, sequence);
      return signal ? untilAborted(token, signal) : token;
    },
  };

  /** The token (or the failure) of the refresh that answers a 401 for `stale`, shared by every call that waits for it. */
  function shared(kind: TokenKind, operation: OperationId, stale: string, sequence: number): Promise<string> {
    const state = states[kind];
    if (state.pending) {
      state.pending.from.add(stale);
      return state.pending.token;
    }
    const current = replacedBy(state, stale);
    if (current !== undefined) return Promise.resolve(current);
    const { failed } = state;
    if (failed?.from.has(stale) && sequence <= failed.sentBefore) return Promise.reject(failed.error);

    const from = new Set([stale]);
    const token = Promise.resolve()
      .then(() => hooks.refreshAccessToken({ operation, token: kind }))
      .then(
        (value) => {
          if (!value) throw new VlensInputError("missing-token", "refreshAccessToken", "the refresh function returned no token");
          return hooks.remember(checkHeaderValue(value, "refreshAccessToken"));
        },
        (error: unknown) => hooks.hookFailed("refreshAccessToken", error),
      );
    state.pending = { from, token };
    // Registered first, so the state is current before any waiting call retries.
    token.then(
      (fresh) => {
        // "" (no token at all) is replaced for the calls that waited on this refresh only: a later
        // call without a token (the app logged out) must not inherit this one.
        for (const replaced of from) if (replaced && replaced !== fresh) state.replaced.add(replaced);
        while (state.replaced.size > replacedKept) state.replaced.delete(state.replaced.values().next().value!);
        state.current = fresh;
        state.pending = state.failed = undefined;
        hooks.renewedTo(fresh);
      },
      (error: unknown) => {
        state.pending = undefined;
        state.failed = { from, error, sentBefore: hooks.sentCount() };
      },
    );
    return token;
  }
}
