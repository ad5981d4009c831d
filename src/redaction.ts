// Redaction of the text an error keeps from outside the client (the server's, fetch's, a token
// function's), loaded with the first error that keeps any: a successful call never needs it.
import { isRecord } from "./envelope.js";
import { VlensError, VlensInputError, VlensTransportError, type TransportContext, type TransportFailure } from "./errors.js";
import type { RejectionReason } from "./reasons.js";

export { secretsIn } from "./secrets.js";

// Long unbroken runs of base64/base64url/hex characters are tokens, keys or image bytes.
const secretLike = /[A-Za-z0-9+/=_-]{40,}/g;
// fetch (undici) quotes a header value it refuses: "Headers.append: "<value>" is an invalid header value."
const quotedHeaderValue = /"[\s\S]*" (?=is an invalid header (?:name|value))/g;
const redacted = "[redacted]";
/** Shorter values cannot be told from ordinary text (replacing them would garble it); OTPs have 4 digits at least. */
const shortestSecret = 4;
/** A secret's first characters, from this many on, are redacted where a text cuts it short ("Bearer eyJhbGciOiJIUzI1…"). */
const shortestPrefix = 8;

/**
 * Where `text` holds a secret: every place a form of one starts, to the end of the longest run
 * that follows the form (a whole form, or one cut short after `shortestPrefix` characters at least).
 */
function secretSpans(text: string, secrets: readonly string[]): [number, number][] {
  const spans: [number, number][] = [];
  for (const secret of secrets) {
    if (secret.length < shortestSecret) continue;
    const escaped = JSON.stringify(secret).slice(1, -1);
    for (const form of escaped === secret ? [secret] : [secret, escaped]) {
      const head = form.slice(0, shortestPrefix);
      for (let at = text.indexOf(head); at !== -1; at = text.indexOf(head, at + 1)) {
        let length = head.length;
        while (length < form.length && text[at + length] === form[length]) length += 1;
        spans.push([at, at + length]);
      }
    }
  }
  return spans.sort(([a], [b]) => a - b);
}

/**
 * `text` with every span where a secret is redacted as one: spans found on the same text and
 * joined where they overlap or touch, so secrets that share characters (a password that starts
 * like the API key, a token inside another) leave no tail, whatever their order.
 */
function withoutSecrets(text: string, secrets: readonly string[]): string {
  let safe = "";
  // `text` before `copied` is in `safe`; `end` is the end of the span being joined (-1: none yet).
  let copied = 0;
  let end = -1;
  for (const [from, to] of secretSpans(text, secrets)) {
    if (from > end) {
      if (end !== -1) {
        safe += redacted;
        copied = end;
      }
      safe += text.slice(copied, from);
    }
    end = Math.max(end, to);
  }
  return end === -1 ? text : `${safe}${redacted}${text.slice(end)}`;
}

/**
 * `text` without the given secrets (as they are, as JSON escapes them for a server that echoes
 * the raw body, and cut short), without runs that look like keys, tokens or image bytes, and
 * without a header value fetch quoted. Repeated until nothing changes, so a replacement cannot
 * complete another secret.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  const list = Array.isArray(secrets) ? (secrets as readonly string[]) : [...secrets];
  let safe = text;
  for (let pass = 0; pass < 4; pass += 1) {
    const before = safe;
    safe = withoutSecrets(safe, list).replace(secretLike, redacted).replace(quotedHeaderValue, `${redacted} `);
    if (safe === before) return safe;
  }
  return redacted;
}

/** Makes server-provided text safe to keep in an error: secrets redacted, length capped (an echoed image may be megabytes). */
export function scrub(text: string | null | undefined, secrets: Iterable<string>): string | null {
  if (text == null) return null;
  const safe = redact(String(text).slice(0, 4000), secrets);
  return safe.length > 300 ? `${safe.slice(0, 300)}…` : safe;
}

/**
 * Where a redirect pointed, by its origin: never its path or query, which may carry anything. A
 * browser hides it (an opaque redirect); a fetch that followed it anyway answered from there.
 */
function redirectTarget({ headers, redirected, url }: Response, known: string[]): string {
  const target = headers.get("location") || (redirected ? url : "");
  if (!target) return "its target hidden by the browser";
  try {
    return `to ${scrub(new URL(target, url || undefined).origin, known)}`;
  } catch {
    return "to an address that is not a URL";
  }
}

/**
 * The error of an exchange that failed, told from what it knew: the client's limit (`limit`:
 * timeoutMs in ms for a timeout of the client's, none for the caller's; maxResponseBytes in bytes
 * for an answer too large), the caller's signal, the answer that redirected (its target named by
 * origin), or fetch's error code; `cause`, the error that ended it (or the caller's signal's
 * reason), kept as a redacted copy.
 */
export function transportError(kind: TransportFailure, where: TransportContext, known: string[], cause?: unknown, limit?: number, redirect?: Response): VlensTransportError {
  const code = (cause as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const detail =
    kind === "timeout"
      ? limit
        ? `the client's timeoutMs of ${limit} ms`
        : "the caller's AbortSignal timed out"
      : kind === "too-large"
        ? `over the client's maxResponseBytes of ${limit} bytes`
        : redirect
          ? redirectTarget(redirect, known)
          : typeof code === "string"
            ? scrub(code, known)
            : null;
  return new VlensTransportError(kind, { ...where, detail: detail ?? undefined }, cause === undefined ? undefined : { cause: safeCause(cause, known) });
}

/** A token function that failed (threw, or rejected with something not a VlensError), naming it. */
export function hookError(field: "accessToken" | "refreshAccessToken", error: unknown, known: Iterable<string>): VlensInputError {
  const message = error instanceof Error ? error.message : String(error);
  return new VlensInputError("token-hook-failed", field, `the function failed: ${scrub(message, known) || "no message"}`, { cause: safeCause(error, known) });
}

/** A custom fetch that answered something not a Response (`error` undefined), or a Response that cannot be read. */
export function fetchError(error: unknown, known: string[]): VlensInputError {
  return error === undefined
    ? new VlensInputError("invalid-option", "fetch", "the fetch function answered something that is not a Response")
    : new VlensInputError("invalid-option", "fetch", "the fetch function answered a Response that cannot be read", { cause: safeCause(error, known) });
}

/**
 * What to keep as the `cause` of an error the client throws: one of its own errors as it is, any
 * other error (or value) as a plain Error copy with its name, code, message and stack redacted, and
 * its own cause likewise. fetch's errors quote header values, a custom fetch or a token function
 * may quote anything it was given.
 */
export function safeCause(error: unknown, secrets: Iterable<string>, depth = 0): unknown {
  if (error === undefined || error instanceof VlensError) return error;
  const list = [...secrets];
  const source = (typeof error === "object" && error !== null ? error : {}) as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; cause?: unknown };
  const copy = new Error(redact(typeof error === "object" && error !== null ? String(source.message ?? "") : String(error), list));
  if (typeof source.name === "string") copy.name = redact(source.name, list);
  copy.stack = typeof source.stack === "string" ? redact(source.stack, list) : `${copy.name}: ${copy.message}`;
  if (typeof source.code === "string" || typeof source.code === "number") Object.assign(copy, { code: typeof source.code === "string" ? redact(source.code, list) : source.code });
  if (source.cause !== undefined && depth < 4) copy.cause = safeCause(source.cause, list, depth + 1);
  return copy;
}

/** A copy whose strings (member names too) are scrubbed: an error may be logged whole, `services` included. */
export function scrubDeep<T>(value: T, scrubText: (text: string) => string | null): T {
  if (typeof value === "string") return scrubText(value) as T;
  if (Array.isArray(value)) return value.map((item) => scrubDeep(item, scrubText)) as T;
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [scrubText(key), scrubDeep(item, scrubText)])) as T;
  return value;
}

/**
 * Reasons of a verification outcome with the server's text in them scrubbed (the SRC check's key
 * and message, the AML records): an outcome is a result, not an error, but its reasons are what
 * an app shows and logs, and a server may echo a secret there as anywhere. `services` and `data`
 * stay as the server sent them, as in any result.
 */
export function scrubReasons(reasons: RejectionReason[], secrets: Iterable<string>): RejectionReason[] {
  const scrubText = (text: string | null) => scrub(text, secrets);
  return reasons.map((reason) =>
    reason.kind === "src-invalid"
      ? { ...reason, errorKey: scrubText(reason.errorKey), errorMessage: scrubText(reason.errorMessage) }
      : reason.kind === "aml-match"
        ? { ...reason, records: scrubDeep(reason.records, scrubText) }
        : reason,
  );
}
