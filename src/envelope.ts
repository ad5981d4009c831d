// The envelope every answer comes in, and the rules the description gives for it: success is
// `error_code` null or 0 (a numeric string may appear) and `error_message` null or empty; anything
// else is a failure even with HTTP 200. Field problems found by the OCR checks come in
// `services.Validations` or `services.validations`; the older documentation spells `services` itself
// `Services`.
import type { Services } from "./types.js";

export interface Envelope {
  data?: unknown;
  error_code?: unknown;
  error_message?: unknown;
  error_descriptions?: unknown;
  services?: Services | null;
  Services?: Services | null;
  [member: string]: unknown;
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

export const integer = (value: unknown): number | null => {
  const number = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  return typeof number === "number" && Number.isInteger(number) ? number : null;
};

/** Whether `error_code` signals a failure: null, absent and 0 (or "0") mean success. */
export function isFailureCode(value: unknown): boolean {
  return !(value == null || value === "" || integer(value) === 0);
}

/**
 * Whether an answer is a failure by its envelope: an `error_code` other than null or 0, or an
 * `error_message` that is not null or empty (description, "Errors"; the iOS SDK checks both).
 */
export function isFailureEnvelope(envelope: Envelope): boolean {
  const message = envelope.error_message;
  return isFailureCode(envelope.error_code) || (message != null && message !== "" && !(typeof message === "string" && !message.trim()));
}

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
