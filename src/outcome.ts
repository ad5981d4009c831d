// The verdict of a verification answer (liveness, or linking an existing transaction), as the
// description defines it: Validated is `data.isVerificationProcessCompleted`, Verified is
// Validated plus `data.isDigitalIdentityVerified`; `services` says which check failed.
import type { VlensApiError } from "./errors.js";
import { transactionIdOf } from "./envelope.js";
import { captureReasons, type RejectionReason } from "./reasons.js";
import type { IdBackData, IdFrontData, OcrLivenessData, Services, User, VerificationData } from "./types.js";

export type VerificationStep = "front" | "back" | "liveness" | "link";

/** What the answers said about the person. */
export interface Person {
  /** The 14-digit national ID number, from the front, the back or the user record. */
  idNumber: string | null;
  idFront: IdFrontData | null;
  idBack: IdBackData | null;
  user: User | null;
}

interface OutcomeBase {
  /**
   * The transaction the verdict is about: the id the answer returned, else the one the client sent
   * (it always sends one), so it can be passed on as it is (`getTransactionById({ id })`).
   */
  transactionId: string;
  person: Person;
  services: Services | null;
  /** `data` of the last answer (null when the step failed with an error code). */
  data: VerificationData | null;
  requestId: string | undefined;
}

/** All checks passed, the authority checks too (or the tenant has them disabled). */
export interface VerifiedOutcome extends OutcomeBase {
  status: "verified";
  reasons: [];
}

/** Captured and OCR passed; the authority checks did not pass or are not configured. `reasons` says what is known. */
export interface ValidatedOutcome extends OutcomeBase {
  status: "validated";
  reasons: RejectionReason[];
}

/** A capture was turned down. `reasons` is machine-readable; `error` is set when an error code said so. */
export interface RejectedOutcome extends OutcomeBase {
  status: "rejected";
  reasons: RejectionReason[];
  step: VerificationStep;
  errorCode: number | null;
  error: VlensApiError | undefined;
}

export type VerificationOutcome = VerifiedOutcome | ValidatedOutcome | RejectedOutcome;

/**
 * Capture before login went through: the three key-only captures passed. Not a verdict: pass
 * `transactionId` to `linkTransaction` after login, whose answer is.
 */
export interface CapturedOutcome {
  status: "captured";
  transactionId: string;
  person: Person;
  /** `services` of the liveness answer. */
  services: Services | null;
  /** `data` of the liveness answer: the two flags and `transaction_id`. */
  data: OcrLivenessData;
  requestId: string;
}

/** What capture before login resolves with: captured, or rejected at a step (front, back, liveness). */
export type CaptureOutcome = CapturedOutcome | RejectedOutcome;

export interface Known {
  transactionId: string;
  idFront?: IdFrontData | null;
  idBack?: IdBackData | null;
}

export function personOf(data: VerificationData | null | undefined, known: Known): Person {
  const idFront = data?.idFrontData ?? known.idFront ?? null;
  const idBack = data?.idBackData ?? known.idBack ?? null;
  const user = data?.user ?? null;
  return { idNumber: idFront?.idNumber ?? idBack?.idNumber ?? user?.idNumber ?? null, idFront, idBack, user };
}

export function outcomeOf(
  step: VerificationStep,
  answer: { data?: VerificationData | null; services?: Services | null; TransactionId?: string | null },
  validation: RejectionReason[],
  known: Known,
  requestId: string | undefined,
): VerificationOutcome {
  const data = answer.data ?? null;
  const services = answer.services ?? null;
  const base = { transactionId: transactionIdOf(answer) ?? known.transactionId, person: personOf(data, known), services, data, requestId };
  const capture = [...validation, ...captureReasons(services, data)];
  const authority = authorityReasons(services);

  if (capture.length || data?.isVerificationProcessCompleted !== true) {
    const reasons: RejectionReason[] = capture.length ? [...capture, ...authority] : [...authority, { kind: "not-completed" }];
    return { ...base, status: "rejected", reasons, step, errorCode: null, error: undefined };
  }
  if (data.isDigitalIdentityVerified === true && !authority.length) return { ...base, status: "verified", reasons: [] };
  return { ...base, status: "validated", reasons: authority.length ? authority : [{ kind: "not-verified" }] };
}

/** A capture step's error, as a rejected outcome. */
export function rejectedBy(error: VlensApiError, step: VerificationStep, known: Known): RejectedOutcome {
  return {
    status: "rejected",
    reasons: error.reasons,
    step,
    errorCode: error.errorCode,
    error,
    transactionId: known.transactionId,
    person: personOf(null, known),
    services: error.services,
    data: null,
    requestId: error.requestId,
  };
}

/** The outcome of the last key-only capture (liveness), with what the ID captures read. */
export function capturedOutcome(liveness: { data: OcrLivenessData; services: Services | null; requestId: string }, known: Known & { transactionId: string }): CapturedOutcome {
  const { data, services, requestId } = liveness;
  return { status: "captured", transactionId: known.transactionId, person: personOf(null, known), services, data, requestId };
}

/** What the authority checks said against the person (its texts as the server sent them: the client scrubs them). */
export function authorityReasons(services: Services | null | undefined): RejectionReason[] {
  const src = services?.SRC;
  if (src?.isValid !== false) return [];
  return [{ kind: "src-invalid", errorCode: src.errorCode ?? null, errorKey: src.errorKey ?? null, errorMessage: src.errorMessage ?? null }];
}
