// Checks of the caller's plain inputs (options, transaction ids), shared by the client and its flows.
import { transactionIdPattern } from "../generated/limits.js";
import { VlensInputError } from "./errors.js";

export function requireText(value: unknown, field: string, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || !value.trim()) throw new VlensInputError(value === undefined ? "missing-option" : "invalid-option", field, "expected a non-empty string");
  return value;
}

/** A transaction id as given: a GUID with hyphens in any letter case (the vendor's iOS SDK sends upper case). */
export function checkTransactionId(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !transactionIdPattern.test(value)) {
    throw new VlensInputError("invalid-transaction-id", field, "expected a UUID with hyphens, such as 81f404b3-d7dc-4f08-b4fe-934853c86282 (any letter case)");
  }
  return value;
}

/** A transaction id a step requires: present, and a GUID in any letter case. */
export const requiredTransactionId = (value: unknown): string => checkTransactionId(requireText(value, "transactionId", true), "transactionId")!;
