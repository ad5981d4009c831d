// Every failure the client reports is one of these errors. None of them ever holds a secret the
// request carried (the API key, bearer and refresh tokens, passwords, OTPs, image bytes): messages
// are built from ids, codes and the server's redacted text, a cause is a redacted copy of the error
// it stands for, and the Request (whose headers carry the secrets) is never attached.
import type { ErrorCodeEntry } from "./catalogue.js";
import type { OperationId, Services } from "./types.js";
import type { RejectionReason } from "./reasons.js";

/** Base class: `catch (e) { if (e instanceof VlensError) ... }` catches everything the client throws. */
export class VlensError extends Error {
  override name = "VlensError";
}

/** One field-level problem, from `error_descriptions` or from `services.Validations` / `validations`. */
export interface VlensFieldError {
  field: string | null;
  message: string | null;
  code: number | null;
  /** The value read from the card (validations only). */
  value?: string | null;
  source: "error_descriptions" | "validations";
}

export interface VlensApiErrorDetails {
  operation: OperationId;
  status: number;
  errorCode: number | null;
  errorMessage: string | null;
  fieldErrors: VlensFieldError[];
  requestId: string | undefined;
  /** The catalogue entry of `errorCode` (or of the HTTP status). */
  entry?: ErrorCodeEntry | undefined;
  services?: Services | null;
  reasons?: RejectionReason[];
}

/**
 * The API answered, and the answer is a failure: an HTTP error status, an envelope whose
 * `error_code` is set (also with HTTP 200), or a capture step whose checks failed.
 */
export class VlensApiError extends VlensError {
  override name = "VlensApiError";
  declare readonly operation: OperationId;
  /** The HTTP status (200 for business errors, which come in the envelope). */
  declare readonly status: number;
  /** The envelope's `error_code` as a number; null when the failure has none (field errors only, or no envelope code). */
  declare readonly errorCode: number | null;
  /** The server's `error_message` (scrubbed of secrets). */
  declare readonly errorMessage: string | null;
  /** The catalogue entry of `errorCode` (or of the HTTP status): meaning, user message, retry advice. */
  declare readonly entry: ErrorCodeEntry | undefined;
  declare readonly fieldErrors: VlensFieldError[];
  /** The `X-Request-Id` sent with the request: quote it to support. */
  declare readonly requestId: string | undefined;
  /** `services` of a verification answer, when it had one. */
  declare readonly services: Services | null;
  /** Why the captured document or face was turned down; empty when the failure is not about the capture. */
  declare readonly reasons: RejectionReason[];

  constructor(details: VlensApiErrorDetails) {
    const { entry } = details;
    const what = details.errorCode !== null ? `error ${details.errorCode}` : `HTTP ${details.status}`;
    super(`${details.operation} failed with ${what}${entry ? ` (${entry.name})` : ""}: ${explanation(details) || "no message"} [HTTP ${details.status}, request ${details.requestId ?? "-"}]`);
    Object.assign(this, { entry: undefined, services: null, reasons: [], ...details });
  }

  /** True when the failure is about the captured document or face (a new capture, or another document, is the fix). */
  get isRejection(): boolean {
    return this.reasons.length > 0;
  }
}

const fieldText = ({ field, message }: VlensFieldError) => (field ? `${field}: ${message ?? "invalid"}` : message ?? "invalid");

/**
 * The server's general line (or the catalogue's meaning) followed by the first specific reason of
 * the field errors: a refusal's general line ("Make sure you are using the correct credentials")
 * rarely says what is wrong, its first field error does ("The ApiKey header is malformed").
 */
function explanation({ errorMessage, entry, fieldErrors }: VlensApiErrorDetails): string {
  const general = errorMessage || entry?.meaning;
  if (!general) return fieldErrors.map(fieldText).join("; ");
  const first = fieldErrors[0];
  if (!first || (first.message && general.includes(first.message))) return general;
  const more = fieldErrors.length > 1 ? ` (and ${fieldErrors.length - 1} more in fieldErrors)` : "";
  return `${general}${/[.!?]$/.test(general) ? "" : "."} ${fieldText(first)}${more}`;
}

export type TransportFailure = "timeout" | "network" | "aborted" | "truncated" | "non-json";

const transportText: Record<TransportFailure, string> = {
  timeout: "no complete answer before the timeout",
  network: "the connection failed before an answer arrived",
  aborted: "aborted by the caller",
  truncated: "the answer was cut off before its end",
  "non-json": "the answer is not a JSON envelope",
};

/** No usable answer: timeout, connection failure, caller abort, truncated or non-JSON body. */
export class VlensTransportError extends VlensError {
  override name = "VlensTransportError";
  declare readonly kind: TransportFailure;
  declare readonly operation: OperationId | undefined;
  declare readonly requestId: string | undefined;
  /** The HTTP status when an answer started to arrive. */
  declare readonly status: number | undefined;

  constructor(
    kind: TransportFailure,
    context: { operation: OperationId | undefined; requestId: string | undefined; status?: number | undefined; detail?: string | undefined },
    options?: ErrorOptions,
  ) {
    const { detail, ...where } = context;
    super(
      `${where.operation ?? "request"}: ${transportText[kind]}${detail ? ` (${detail})` : ""} [${where.status ? `HTTP ${where.status}, ` : ""}request ${where.requestId ?? "-"}]`,
      options,
    );
    Object.assign(this, { kind, status: undefined, ...where });
  }
}

export type InputProblem =
  | "missing-option"
  | "invalid-option"
  | "invalid-header"
  | "invalid-request"
  | "missing-token"
  | "token-hook-failed"
  | "invalid-image"
  | "image-empty"
  | "image-not-base64"
  | "image-too-large"
  | "face-too-large"
  | "faces-identical"
  | "faces-too-far-apart"
  | "invalid-transaction-id";

/**
 * An input of the caller is at fault, and nothing (more) was sent because of it: a pre-flight check,
 * an option or header value no HTTP header can carry, a body that cannot be serialized, or a token
 * function that failed or answered an unusable token. `field` names the input at fault.
 */
export class VlensInputError extends VlensError {
  override name = "VlensInputError";
  declare readonly code: InputProblem;
  declare readonly field: string;

  constructor(code: InputProblem, field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options);
    Object.assign(this, { code, field });
  }
}

// Long unbroken runs of base64/base64url/hex characters are tokens, keys or image bytes.
const secretLike = /[A-Za-z0-9+/=_-]{40,}/g;
// fetch (undici) quotes a header value it refuses: "Headers.append: "<value>" is an invalid header value."
const quotedHeaderValue = /"[\s\S]*" (?=is an invalid header (?:name|value))/g;
const redacted = "[redacted]";
/** Shorter values cannot be told from ordinary text (replacing them would garble it); OTPs have 4 digits at least. */
const shortestSecret = 4;
/** A secret's first characters, from this many on, are redacted where a text cuts it short ("Bearer eyJhbGciOiJIUzI1…"). */
const shortestPrefix = 8;

/** `text` without any run of at least `shortestPrefix` characters that starts `secret`. */
function withoutPrefixes(text: string, secret: string): string {
  const head = secret.slice(0, shortestPrefix);
  let safe = text;
  for (let at = safe.indexOf(head); at !== -1; at = safe.indexOf(head, at + redacted.length)) {
    let length = head.length;
    while (length < secret.length && safe[at + length] === secret[length]) length += 1;
    safe = `${safe.slice(0, at)}${redacted}${safe.slice(at + length)}`;
  }
  return safe;
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
    for (const secret of list) {
      if (secret.length < shortestSecret) continue;
      const escaped = JSON.stringify(secret).slice(1, -1);
      for (const form of escaped === secret ? [secret] : [secret, escaped]) {
        if (safe.includes(form)) safe = safe.split(form).join(redacted);
        if (form.length > shortestPrefix) safe = withoutPrefixes(safe, form);
      }
    }
    safe = safe.replace(secretLike, redacted).replace(quotedHeaderValue, `${redacted} `);
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
