// Describes a failed answer as a VlensApiError: the catalogue entry of its code, its field errors
// and the reasons a capture was turned down. Loaded on the first failure only (with the catalogue,
// most of the client's weight), since a successful answer never needs any of it.
import { lookupErrorCode, type ErrorCodeEntry } from "./catalogue.js";
import { integer, isRecord, errorCodeOf, renamedErrorMember, type Envelope } from "./envelope.js";
import { VlensApiError, VlensInputError, VlensTransportError, type VlensFieldError } from "./errors.js";
import { captureReasons, type RejectionReason } from "./reasons.js";
import { scrub, scrubDeep } from "./redaction.js";
import { secretsIn, type Carried } from "./secrets.js";
import type { Exchange } from "./transport.js";
import type { OperationId, VerificationData } from "./types.js";

type Scrub = (text: string | null | undefined) => string | null;

const text = (value: unknown): string | null => (typeof value === "string" ? value : value == null ? null : String(value));

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Field errors from `error_descriptions` (a list, an object of field -> messages, or a string) and from the validations of `services`. */
export function fieldErrorsOf(envelope: Envelope, scrubText: Scrub): VlensFieldError[] {
  const errors: VlensFieldError[] = [];
  // A server may echo anything, anywhere: field names are scrubbed like messages.
  const add = (field: unknown, message: unknown, code: unknown, source: VlensFieldError["source"], value?: unknown) =>
    errors.push({
      field: scrubText(text(field)),
      message: scrubText(text(message)),
      code: integer(code),
      ...(value !== undefined && { value: scrubText(text(value)) }),
      source,
    });

  const descriptions = envelope.error_descriptions;
  if (Array.isArray(descriptions)) {
    for (const item of descriptions) {
      if (isRecord(item)) add(item.field, item.message, item.code, "error_descriptions");
      else add(null, item, null, "error_descriptions");
    }
  } else if (isRecord(descriptions)) {
    for (const [field, messages] of Object.entries(descriptions)) {
      add(field, Array.isArray(messages) ? messages.map(text).join(" ") : messages, null, "error_descriptions");
    }
  } else if (typeof descriptions === "string" && descriptions) {
    add(null, descriptions, null, "error_descriptions");
  }

  // Shapes other than the description's are read as far as they make sense, never thrown on.
  const services = isRecord(envelope.services) ? envelope.services : {};
  for (const validations of [services.Validations, services.validations]) {
    for (const failed of list(isRecord(validations) ? validations.validation_errors : null)) {
      if (!isRecord(failed)) continue;
      const reasons = list(failed.errors).filter(isRecord);
      for (const reason of reasons.length ? reasons : [{ code: null, message: null }]) add(failed.field, reason.message, reason.code, "validations", failed.value);
    }
  }
  return errors;
}

/** The rejection reasons of the field validations of an answer. */
export function validationReasonsOf(envelope: Envelope, carried: Carried): RejectionReason[] {
  const secrets = secretsIn(carried);
  return validationReasons(fieldErrorsOf(envelope, (text) => scrub(text, secrets)));
}

const captureCategories: ReadonlySet<string> = new Set(["document", "face", "validation"]);

/** The reason an error code gives, when the code is about the capture rather than the request, the account or the server. */
export function codeReason(code: number | null, message: string | null, entry: ErrorCodeEntry | undefined): RejectionReason[] {
  if (code === null || !entry || !(captureCategories.has(entry.category) || entry.retry === "recapture")) return [];
  return [{ kind: "error-code", code, message, entry }];
}

export function validationReasons(fieldErrors: VlensFieldError[]): RejectionReason[] {
  return fieldErrors.filter((error) => error.source === "validations").map(({ field, code, message, value }) => ({ kind: "field-validation", field, code, message, value }));
}

export interface FailureContext {
  operation: OperationId;
  status: number;
  requestId: string | undefined;
  /** What the error's texts are redacted of: the secrets the request carried. */
  carried: Carried;
}

/** The error for a failed answer: HTTP error status, `error_code` set, or a capture whose checks failed. */
export function apiError(envelope: Envelope, { operation, status, requestId, carried }: FailureContext): VlensApiError {
  const secrets = secretsIn(carried);
  const scrubText = (value: string | null | undefined) => scrub(value, secrets);
  const errorCode = errorCodeOf(envelope.error_code);
  const errorMessage = scrubText(text(envelope.error_message));
  const fieldErrors = fieldErrorsOf(envelope, scrubText);
  const services = isRecord(envelope.services) ? scrubDeep(envelope.services, scrubText) : null;
  const entry = lookupErrorCode(errorCode ?? (status >= 400 ? status : null));
  return new VlensApiError({
    operation,
    status,
    errorCode,
    errorMessage,
    fieldErrors,
    requestId,
    entry,
    services,
    reasons: [
      ...codeReason(errorCode, errorMessage, entry),
      ...validationReasons(fieldErrors),
      ...captureReasons(services, isRecord(envelope.data) ? (envelope.data as VerificationData) : null),
    ],
  });
}

/** Where an answer that carries no result came from, for its error. */
export interface AnswerContext {
  operation: OperationId;
  status: number;
  requestId: string;
  carried: Carried;
}

/** The names of an answer's members, for an error: names only (never their values), scrubbed, a dozen at most. */
function memberNames(value: object, carried: Carried): string {
  const secrets = secretsIn(carried);
  const names = Object.keys(value);
  if (names.length === 0) return "none";
  const shown = names.slice(0, 12).map((name) => scrub(name.length > 40 ? `${name.slice(0, 40)}…` : name, secrets));
  return `${shown.join(", ")}${names.length > 12 ? `, … (${names.length} in all)` : ""}`;
}

/**
 * A success (no error code, no failed check) that carries no result: `data` null, absent or not an
 * object, or (`missing`) an object without the member the step needs. Not a rejection (nothing
 * says the capture was bad), so the flows throw it.
 */
export function noResult({ operation, status, requestId, carried }: AnswerContext, data: unknown, missing?: string): VlensApiError {
  const errorMessage = missing
    ? `the answer's data has no ${missing} (it has ${memberNames(data as object, carried)})`
    : data == null
      ? "the answer has neither an error code nor data"
      : `the answer's data is not an object (${Array.isArray(data) ? "a list" : `a ${typeof data}`})`;
  return new VlensApiError({ operation, status, errorCode: null, errorMessage, fieldErrors: [], requestId });
}

/**
 * An answer that is not the envelope: empty, not a JSON object (named by its content type), or a
 * JSON success without the `data` member every answer has, or with an error member spelled
 * otherwise (`Error_Code`), whatever it holds. Names only, never values.
 */
export function notEnvelope(
  { operation, status, requestId, carried }: AnswerContext,
  { json: answer, text, headers }: Pick<Exchange, "json" | "text" | "headers">,
): VlensTransportError {
  const secrets = secretsIn(carried);
  let detail: string | null;
  if (!isRecord(answer)) {
    detail = text === "" ? "empty body" : scrub(headers.get("Content-Type"), secrets);
  } else {
    const renamed = "data" in answer ? renamedErrorMember(answer) : undefined;
    const what = renamed === undefined ? 'no "data" member' : `an error member spelled "${scrub(renamed, secrets)}", not error_code or error_message`;
    detail = `${what}; it has ${memberNames(answer, carried)}`;
  }
  return new VlensTransportError("non-json", { operation, requestId, status, detail: detail ?? undefined });
}

/**
 * A body JSON.stringify refused (a cycle, a BigInt), its reason redacted of everything the call
 * carried: the client's key and tokens, the caller's credentials and the body's own secrets (a
 * circular body quotes its keys, a password used as one).
 */
export function unserializableBody(error: unknown, carried: Carried): VlensInputError {
  const reason = scrub((error as Error | undefined)?.message, secretsIn(carried));
  return new VlensInputError("invalid-request", "body", `cannot be sent as JSON: ${reason || "the reason is not shown"}`);
}
