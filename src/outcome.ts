// The verdict of a verification answer (liveness, or linking an existing transaction), as the
// description defines it: Validated is `data.isVerificationProcessCompleted`, Verified is
// Validated plus `data.isDigitalIdentityVerified`; `services` says which check failed.
import type { VlensApiError } from "./errors.js";
import { authorityReasons, captureReasons, type RejectionReason } from "./reasons.js";
import type { IdBackData, IdFrontData, Services, User, VerificationData } from "./types.js";

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
  transactionId: string | null;
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

export interface Known {
  transactionId: string | null;
  idFront?: IdFrontData | null;
  idBack?: IdBackData | null;
}

export function personOf(data: VerificationData | null | undefined, known: Known): Person {
  const idFront = data?.idFrontData ?? known.idFront ?? null;
  const idBack = data?.idBackData ?? known.idBack ?? null;
  const user = data?.user ?? null;
  return { idNumber: idFront?.idNumber ?? idBack?.idNumber ?? user?.idNumber ?? null, idFront, idBack, user };
}

/** The transaction id an answer carries, wherever the API put it. */
export function transactionIdOf(answer: { data?: VerificationData | null; TransactionId?: string | null }): string | null {
  return answer.data?.idFrontData?.transaction_id || answer.data?.idBackData?.transaction_id || answer.TransactionId || null;
}

export function outcomeOf(
  step: VerificationStep,
  answer: { data?: VerificationData | null; services?: Services | null; TransactionId?: string | null },
  validation: RejectionReason[],
  known: Known,
  requestId: string | undefined,
  scrubText: (text: string | null | undefined) => string | null,
): VerificationOutcome {
  const data = answer.data ?? null;
  const services = answer.services ?? null;
  const base = { transactionId: transactionIdOf(answer) ?? known.transactionId, person: personOf(data, known), services, data, requestId };
  const capture = [...validation, ...captureReasons(services, data)];
  const authority = authorityReasons(services, scrubText);

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
