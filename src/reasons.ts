// Machine-readable reasons why a capture or a verification was turned down, read from the parts of
// an answer that carry a verdict: the error code, field validations, and `services`.
import type { ErrorCodeEntry } from "./catalogue.js";
import type { VlensFieldError } from "./errors.js";
import type { AmlRecord, Services, VerificationData } from "./types.js";

export type RejectionReason =
  /** The envelope's error code is about the document or the face (catalogue category document/face/validation, or "recapture"). */
  | { kind: "error-code"; code: number; message: string | null; entry: ErrorCodeEntry | undefined }
  /** A field read from the card failed validation (`services.Validations`). */
  | { kind: "field-validation"; field: string | null; code: number | null; message: string | null; value?: string | null }
  /** `services.spoofing.fake`: a photocopy, a screen or a photo held to the camera. */
  | { kind: "spoofing" }
  /** `services.liveness` is false. */
  | { kind: "liveness" }
  /** `data.isMatched` is false: the faces do not match the ID photo. */
  | { kind: "face-mismatch" }
  /** `services.AML.AML_matched`: the person is on an anti-money-laundering watch list. */
  | { kind: "aml-match"; records: AmlRecord[] }
  /** `services.SRC.isValid` is false: the national registry did not confirm the ID. */
  | { kind: "src-invalid"; errorCode: number | null; errorKey: string | null; errorMessage: string | null }
  /** `data.isVerificationProcessCompleted` is not true and nothing more specific was said. */
  | { kind: "not-completed" }
  /** Validated but `data.isDigitalIdentityVerified` is not true and no authority check says why. */
  | { kind: "not-verified" };

const captureCategories: ReadonlySet<string> = new Set(["document", "face", "validation"]);

/** The reason an error code gives, when the code is about the capture rather than the request, the account or the server. */
export function codeReason(code: number | null, message: string | null, entry: ErrorCodeEntry | undefined): RejectionReason[] {
  if (code === null || !entry || !(captureCategories.has(entry.category) || entry.retry === "recapture")) return [];
  return [{ kind: "error-code", code, message, entry }];
}

export function validationReasons(fieldErrors: VlensFieldError[]): RejectionReason[] {
  return fieldErrors
    .filter((error) => error.source === "validations")
    .map(({ field, code, message, value }) => ({ kind: "field-validation", field, code, message, value }));
}

/** What the capture itself failed: spoofing, liveness, face match, AML. */
export function captureReasons(services: Services | null | undefined, data: VerificationData | null | undefined): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  if (services?.spoofing?.fake === true) reasons.push({ kind: "spoofing" });
  if (services?.liveness === false) reasons.push({ kind: "liveness" });
  if (data?.isMatched === false) reasons.push({ kind: "face-mismatch" });
  if (services?.AML?.AML_matched === true) reasons.push({ kind: "aml-match", records: services.AML.data ?? [] });
  return reasons;
}

/** What the authority checks said against the person (its texts as the server sent them: the client scrubs them). */
export function authorityReasons(services: Services | null | undefined): RejectionReason[] {
  const src = services?.SRC;
  if (src?.isValid !== false) return [];
  return [{ kind: "src-invalid", errorCode: src.errorCode ?? null, errorKey: src.errorKey ?? null, errorMessage: src.errorMessage ?? null }];
}
