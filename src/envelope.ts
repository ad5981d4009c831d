// The envelope every answer comes in, and the rules the description gives for it: success is
// `error_code` absent, null or 0 and `error_message` absent, null or "" (the empty string); anything
// else is a failure even with HTTP 200, a message of spaces and a code "0" or "" included (the
// Arazzo criteria and the mock's examples follow the same rule). Field problems found by the OCR checks come in
// `services.Validations` or `services.validations`; the older documentation spells `services` itself
// `Services`.
import type { Services, VerificationData } from "./types.js";

export interface Envelope {
  data?: unknown;
  error_code?: unknown;
  error_message?: unknown;
  error_descriptions?: unknown;
  services?: Services | null;
  Services?: Services | null;
  [member: string]: unknown;
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export const integer = (value: unknown): number | null => {
  const number = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  return typeof number === "number" && Number.isInteger(number) ? number : null;
};

/** Whether `error_code` signals a failure: only absent, null and the number 0 mean success. */
export function isFailureCode(value: unknown): boolean {
  return !(value == null || value === 0);
}

/**
 * Whether an answer is a failure by its envelope: an `error_code` other than absent, null or 0, or an
 * `error_message` other than absent, null or "" (description, "Errors"; the iOS SDK checks both).
 */
export function isFailureEnvelope(envelope: Envelope): boolean {
  const message = envelope.error_message;
  return isFailureCode(envelope.error_code) || !(message == null || message === "");
}

/**
 * A member named like `error_code` or `error_message` once lower-cased without `_` and `-`, but not
 * spelled so (`Error_Code`, `ERROR-CODE`, `errorMessage`): an envelope the client cannot read, never a success.
 */
export const renamedErrorMember = (envelope: object): string | undefined =>
  Object.keys(envelope).find((name) => /^error(code|message)$/i.test(name.replace(/[-_]/g, "")) && !/^error_[a-z]+$/.test(name));

/** `error_code` as a number, or null when it is absent, success, or not numeric. */
export function errorCodeOf(value: unknown): number | null {
  return isFailureCode(value) ? integer(value) : null;
}

/** `services` of an answer, in either spelling (`services` first). */
export function servicesOf(envelope: Envelope): Services | null {
  return envelope.services ?? envelope.Services ?? null;
}

/** Whether the validations of `services` (either spelling) list a failed field. */
export function hasValidationErrors(services: Services | null | undefined): boolean {
  return Boolean(services?.Validations?.validation_errors?.length || services?.validations?.validation_errors?.length);
}

/**
 * The transaction id an answer carries, wherever the API put it: `data.idFrontData` (current
 * documentation), `data.transaction_id` (the `/v1` OCR answers); `data.idBackData` and a top-level
 * `TransactionId` were seen only in a third-party proxy's answers, and cost nothing to read.
 */
export function transactionIdOf(answer: { data?: unknown; TransactionId?: unknown }): string | null {
  const data = (answer.data ?? null) as (VerificationData & { transaction_id?: unknown }) | null;
  const found = data?.idFrontData?.transaction_id || data?.transaction_id || data?.idBackData?.transaction_id || answer.TransactionId;
  return typeof found === "string" && found ? found : null;
}
