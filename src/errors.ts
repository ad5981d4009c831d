// Every failure the client reports is one of these errors. None of them ever holds a secret the
// request carried (the API key, bearer and refresh tokens, passwords, OTPs, image bytes): messages
// are built from ids, codes and the server's redacted text, a cause is a redacted copy of the error
// it stands for, and the Request (whose headers carry the secrets) is never attached. The code that
// builds them from outside text (redaction.ts, failure.ts) loads on the first error that needs it;
// the loaders below say what an error keeps when it cannot be loaded.
import type { ErrorCodeEntry } from "./catalogue.js";
import { errorCodeOf, type Envelope } from "./envelope.js";
import type { AnswerContext, FailureContext } from "./failure.js";
import type { OperationId, Services } from "./types.js";
import type { RejectionReason } from "./reasons.js";
import type { Carried } from "./secrets.js";

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
    super(
      `${details.operation} failed with ${what}${entry ? ` (${entry.name})` : ""}: ${explanation(details) || "no message"} [HTTP ${details.status}, request ${details.requestId ?? "-"}]`,
    );
    Object.assign(this, { entry: undefined, services: null, reasons: [], ...details });
  }

  /** True when the failure is about the captured document or face (a new capture, or another document, is the fix). */
  get isRejection(): boolean {
    return this.reasons.length > 0;
  }
}

const fieldText = ({ field, message }: VlensFieldError) => (field ? `${field}: ${message ?? "invalid"}` : (message ?? "invalid"));

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

export type TransportFailure = "timeout" | "network" | "aborted" | "truncated" | "non-json" | "redirect" | "too-large";

const transportText: Record<TransportFailure, string> = {
  timeout: "no complete answer before the timeout",
  network: "the connection failed before an answer arrived",
  aborted: "aborted by the caller",
  truncated: "the answer was cut off before its end",
  "non-json": "the answer is not a JSON envelope",
  redirect: "the answer is a redirect, never followed",
  "too-large": "the answer is too large",
};

/** Where a transport failure happened: the operation, its request id, the HTTP status when an answer started to arrive. */
export interface TransportContext {
  operation: OperationId | undefined;
  requestId: string | undefined;
  status?: number | undefined;
}

/**
 * No usable answer: timeout, connection failure, caller abort, truncated or non-JSON body, a
 * redirect (never followed; the message names the target's origin), or a body over `maxResponseBytes`.
 */
export class VlensTransportError extends VlensError {
  override name = "VlensTransportError";
  declare readonly kind: TransportFailure;
  declare readonly operation: OperationId | undefined;
  declare readonly requestId: string | undefined;
  /** The HTTP status when an answer started to arrive. */
  declare readonly status: number | undefined;

  constructor(kind: TransportFailure, context: TransportContext & { detail?: string | undefined }, options?: ErrorOptions) {
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

/** The redaction functions, loaded with the first error that keeps outside text (redaction.ts). */
export interface Redaction {
  scrub(text: string | null | undefined, secrets: Iterable<string>): string | null;
  safeCause(error: unknown, secrets: Iterable<string>): unknown;
  secretsIn(carried: Carried): string[];
  transportError(kind: TransportFailure, where: TransportContext, known: string[], cause?: unknown, limit?: number, redirect?: Response): VlensTransportError;
  hookError(field: "accessToken" | "refreshAccessToken", error: unknown, known: Iterable<string>): VlensInputError;
  fetchError(error: unknown, known: string[]): VlensInputError;
}

/**
 * Loads redaction.ts (in a browser bundle, a chunk fetched on the first such error). If it cannot
 * be loaded, the error keeps no outside text at all: no server text, no cause, no detail.
 */
export const loadRedaction = (): Promise<Redaction> =>
  import("./redaction.js").catch(() => ({
    scrub: () => null,
    safeCause: () => undefined,
    secretsIn: () => [],
    transportError: (kind, where) => new VlensTransportError(kind, where),
    hookError: (field) => new VlensInputError("token-hook-failed", field, "the function failed"),
    fetchError: () => new VlensInputError("invalid-option", "fetch", "the fetch function answered no readable Response"),
  }));

// In a browser bundle the failure module is a chunk fetched on the first failure; if that fetch
// fails the error is still a VlensError, only without catalogue entry, field errors and details.
export const describeFailure = () =>
  import("./failure.js").catch(() => {
    const bare = ({ operation, status, requestId }: AnswerContext | FailureContext, errorCode: number | null = null, errorMessage: string | null = null) =>
      new VlensApiError({ operation, status, errorCode, errorMessage, fieldErrors: [], requestId });
    return {
      apiError: async (envelope: Envelope, context: FailureContext) =>
        bare(
          context,
          errorCodeOf(envelope.error_code),
          (await loadRedaction()).scrub(String(envelope.error_message ?? ""), (await loadRedaction()).secretsIn(context.carried)) || null,
        ),
      noResult: (context: AnswerContext) => bare(context),
      unserializableBody: () => new VlensInputError("invalid-request", "body", "cannot be sent as JSON"),
      notEnvelope: ({ operation, status, requestId }: AnswerContext) => new VlensTransportError("non-json", { operation, requestId, status }),
    };
  });
