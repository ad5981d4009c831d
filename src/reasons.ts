// Machine-readable reasons why a capture or a verification was turned down, read from the parts of
// an answer that carry a verdict: the error code, field validations, and `services`.
import type { ErrorCodeEntry } from "./catalogue.js";
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

/** What the capture itself failed: spoofing, liveness, face match, AML. */
export function captureReasons(services: Services | null | undefined, data: VerificationData | null | undefined): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  if (services?.spoofing?.fake === true) reasons.push({ kind: "spoofing" });
  if (services?.liveness === false) reasons.push({ kind: "liveness" });
  if (data?.isMatched === false) reasons.push({ kind: "face-mismatch" });
  if (services?.AML?.AML_matched === true) reasons.push({ kind: "aml-match", records: services.AML.data ?? [] });
  return reasons;
}
