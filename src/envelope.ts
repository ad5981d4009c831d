// The envelope every answer comes in, and the rules the description gives for it: `error_code` null
// or 0 is success (a numeric string may appear), anything else is a failure even with HTTP 200;
// field problems found by the OCR checks come in `services.Validations` or `services.validations`.
import type { Services } from "./types.js";

export interface Envelope {
  data?: unknown;
  error_code?: unknown;
  error_message?: unknown;
  error_descriptions?: unknown;
  services?: Services | null;
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

/** `error_code` as a number, or null when it is absent, success, or not numeric. */
export function errorCodeOf(value: unknown): number | null {
  return isFailureCode(value) ? integer(value) : null;
}

/** Whether the validations of `services` (either spelling) list a failed field. */
export function hasValidationErrors(services: Services | null | undefined): boolean {
  return Boolean(services?.Validations?.validation_errors?.length || services?.validations?.validation_errors?.length);
}
