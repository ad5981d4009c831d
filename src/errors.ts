// Every failure the client reports is one of these errors. None of them ever holds the API key, a
// bearer token or image bytes: messages are built from ids, codes and the server's (scrubbed) text,
// and the Request (whose headers carry the secrets) is never attached.
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
    const text =
      details.errorMessage ??
      entry?.meaning ??
      details.fieldErrors.map(({ field, message }) => `${field ?? "?"}: ${message ?? "invalid"}`).join("; ");
    super(`${details.operation} failed with ${what}${entry ? ` (${entry.name})` : ""}: ${text || "no message"} [HTTP ${details.status}, request ${details.requestId ?? "-"}]`);
    Object.assign(this, { entry: undefined, services: null, reasons: [], ...details });
  }

  /** True when the failure is about the captured document or face (a new capture, or another document, is the fix). */
  get isRejection(): boolean {
    return this.reasons.length > 0;
  }
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
  | "missing-token"
  | "invalid-image"
  | "image-empty"
  | "image-not-base64"
  | "image-too-large"
  | "face-too-large"
  | "faces-identical"
  | "faces-too-far-apart"
  | "invalid-transaction-id";

/** A pre-flight check failed: nothing was sent. `field` names the input at fault. */
export class VlensInputError extends VlensError {
  override name = "VlensInputError";
  declare readonly code: InputProblem;
  declare readonly field: string;

  constructor(code: InputProblem, field: string, message: string) {
    super(`${field}: ${message}`);
    Object.assign(this, { code, field });
  }
}

// Long unbroken runs of base64/base64url/hex characters are tokens, keys or image bytes.
const secretLike = /[A-Za-z0-9+/=_-]{40,}/g;

/** Makes server-provided text safe to keep in an error: known secrets and secret-like runs removed, length capped. */
export function scrub(text: string | null | undefined, secrets: Iterable<string>): string | null {
  if (text == null) return null;
  let safe = String(text);
  // Values shorter than 8 characters are not real keys or tokens; replacing them would garble the text.
  for (const secret of secrets) if (secret.length >= 8) safe = safe.split(secret).join("[redacted]");
  safe = safe.replace(secretLike, "[redacted]");
  return safe.length > 300 ? `${safe.slice(0, 300)}…` : safe;
}
