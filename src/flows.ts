// The verification flows and their verdicts: verifyIdentity, checkLiveness, linkTransaction,
// captureBeforeLogin and ocrLiveness, with the liveness capture rules and the outcome rules they
// need. Loaded on the first call of one of them (in a browser bundle, a chunk fetched then), so a
// page that only scans or calls operations does not load them up front.
import type { CallOptions, CaptureStep, IdScan, VerifyIdentityInput, VlensAnswer, VlensClient } from "./client.js";
import { hasValidationErrors, isRecord, servicesOf, transactionIdOf, type Envelope } from "./envelope.js";
import { describeFailure, VlensApiError } from "./errors.js";
import type { AnswerContext } from "./failure.js";
import { checkTransactionId, requiredTransactionId } from "./checks.js";
import { encodeFaces } from "./faces.js";
import { encodeImage, type ImagePolicy } from "./images.js";
import { capturedOutcome, outcomeOf, rejectedBy, type Known, type VerificationOutcome, type VerificationStep } from "./outcome.js";
import { captureReasons, type RejectionReason } from "./reasons.js";
import type { Carried } from "./secrets.js";
import type { OcrLivenessData, OperationId, Services, VerificationResponse } from "./types.js";
import { randomUuid } from "./uuid.js";

// The failure module and redaction load on demand; if one cannot be loaded, a verdict keeps no text
// of the server's: the validations' reasons without their details, the SRC key and message and the
// AML records left out.

/** The reasons of an answer's failed validations. */
const validationReasons = (envelope: Envelope, carried: Carried): Promise<RejectionReason[]> =>
  import("./failure.js").then(
    ({ validationReasonsOf }) => validationReasonsOf(envelope, carried),
    () => [{ kind: "field-validation", field: null, code: null, message: null }],
  );

/** An outcome's reasons with the server's text in them scrubbed. */
const scrubbedReasons = (reasons: RejectionReason[], carried: Carried): Promise<RejectionReason[]> =>
  import("./redaction.js").then(
    ({ scrubReasons, secretsIn }) => scrubReasons(reasons, secretsIn(carried)),
    () =>
      reasons.map((reason) =>
        reason.kind === "src-invalid" ? { ...reason, errorKey: null, errorMessage: null } : reason.kind === "aml-match" ? { ...reason, records: [] } : reason,
      ),
  );

export type FlowName = "verifyIdentity" | "checkLiveness" | "linkTransaction" | "captureBeforeLogin" | "ocrLiveness";

/** What the flows use of the client they belong to. */
export interface FlowCore {
  policy: ImagePolicy;
  captureHeaders: Record<string, string> | undefined;
  call: VlensClient["call"];
  sendScan(side: IdScan["side"], image: string, transactionId: string, getExtractedData: boolean, callOptions?: CallOptions<"verifyIdFront" | "verifyIdBack">): Promise<IdScan>;
  sendOcrScan<Step extends "front" | "back">(
    step: Step,
    image: string,
    transactionId: string,
    getExtractedData: boolean,
    callOptions?: CallOptions<"ocrIdFront" | "ocrIdBack">,
  ): Promise<CaptureStep<Step>>;
  sendCapture(
    operation: "ocrLiveness",
    body: string,
    headers: Record<string, string> | undefined,
    callOptions: CallOptions<"ocrLiveness"> | undefined,
  ): Promise<{ envelope: Envelope; services: Services | null; data: Record<string, unknown>; status: number; requestId: string }>;
  answerContext(operation: OperationId, answer: { status: number; requestId: string }, headers?: Record<string, string>): AnswerContext;
  withCaller(headers: Record<string, string> | undefined): Carried;
}

/** The three images of a flow, with every pre-flight check run before the first request. */
const flowImages = (input: VerifyIdentityInput, policy: ImagePolicy) =>
  Promise.all([encodeImage(input.idFront, "idFront"), encodeImage(input.idBack, "idBack"), encodeFaces(input.faces, policy)]);

export function createFlows({ policy, captureHeaders, call, sendScan, sendOcrScan, sendCapture, answerContext, withCaller }: FlowCore): Pick<VlensClient, FlowName> {
  async function sendOcrLiveness(
    faces: [string, string, string],
    transactionId: string,
    getExtractedData: boolean,
    callOptions?: CallOptions<"ocrLiveness">,
  ): Promise<CaptureStep<"liveness">> {
    const [face_1, face_2, face_3] = faces;
    const body = JSON.stringify({ face_1, face_2, face_3, transaction_id: transactionId, getExtractedData });
    const answer = await sendCapture("ocrLiveness", body, captureHeaders, callOptions);
    const data = answer.data as OcrLivenessData;
    // No verdict yet (that is the link's), but a capture that did not complete is turned down now.
    if (data.isVerificationProcessCompleted !== true) {
      throw new VlensApiError({
        operation: "ocrLiveness",
        status: answer.status,
        errorCode: null,
        errorMessage: "the liveness capture did not complete (data.isVerificationProcessCompleted is not true)",
        fieldErrors: [],
        requestId: answer.requestId,
        services: answer.services,
        reasons: [{ kind: "not-completed" }],
      });
    }
    return { step: "liveness", transactionId: transactionIdOf(answer.envelope) ?? transactionId, data, services: answer.services, requestId: answer.requestId };
  }

  async function verdict(
    step: VerificationStep,
    send: () => Promise<VlensAnswer<"verifyLiveness" | "linkUserWithExistingTransaction">>,
    known: Known,
    headers: Record<string, string> | undefined,
  ): Promise<VerificationOutcome> {
    try {
      const answer = await send();
      const envelope = answer.envelope as VerificationResponse & Envelope;
      const services = servicesOf(envelope);
      const validation = hasValidationErrors(services) ? await validationReasons({ ...envelope, services }, withCaller(headers)) : [];
      // A verdict needs `data`; without it only a failed check (services) still says why.
      if (!isRecord(envelope.data) && !validation.length && !captureReasons(services, null).length) {
        throw (await describeFailure()).noResult(answerContext(step === "link" ? "linkUserWithExistingTransaction" : "verifyLiveness", answer), envelope.data);
      }
      const outcome = outcomeOf(step, { ...envelope, services }, validation, known, answer.requestId);
      // The server's own text in the reasons (SRC, AML) is scrubbed, by code loaded only when there is some.
      if (!outcome.reasons.some(({ kind }) => kind === "src-invalid" || kind === "aml-match")) return outcome;
      return { ...outcome, reasons: await scrubbedReasons(outcome.reasons, withCaller(headers)) } as VerificationOutcome;
    } catch (error) {
      if (error instanceof VlensApiError && error.isRejection) return rejectedBy(error, step, known);
      throw error;
    }
  }

  function sendLiveness(faces: [string, string, string], known: Known & { transactionId: string }, getExtractedData: boolean, callOptions?: CallOptions<"verifyLiveness">) {
    const [face_1, face_2, face_3] = faces;
    const body = { face_1, face_2, face_3, transaction_id: known.transactionId, getExtractedData };
    return verdict("liveness", () => call("verifyLiveness", { body }, callOptions), known, callOptions?.headers);
  }

  return {
    async verifyIdentity(input, flowOptions = {}) {
      const known: Known & { transactionId: string } = { transactionId: checkTransactionId(input.transactionId, "transactionId") ?? randomUuid() };
      const [idFront, idBack, faces] = await flowImages(input, policy);
      const { signal, headers, scenarios = {} } = flowOptions;
      for (const [side, image] of [
        ["front", idFront],
        ["back", idBack],
      ] as const) {
        try {
          const scan = await sendScan(side, image, known.transactionId, true, { signal, headers, scenario: scenarios[side] });
          known.transactionId = scan.transactionId;
          known.idFront = scan.idFront ?? known.idFront;
          known.idBack = scan.idBack ?? known.idBack;
        } catch (error) {
          if (error instanceof VlensApiError && error.isRejection) return rejectedBy(error, side, known);
          throw error;
        }
      }
      return sendLiveness(faces, known, true, { signal, headers, scenario: scenarios.liveness });
    },

    async checkLiveness(input, callOptions) {
      const transactionId = requiredTransactionId(input.transactionId);
      return sendLiveness(await encodeFaces(input.faces, policy), { transactionId }, input.getExtractedData ?? true, callOptions);
    },

    async captureBeforeLogin(input, flowOptions = {}) {
      const known: Known & { transactionId: string } = { transactionId: checkTransactionId(input.transactionId, "transactionId") ?? randomUuid() };
      const [idFront, idBack, faces] = await flowImages(input, policy);
      const { signal, headers, scenarios = {} } = flowOptions;
      try {
        const front = await sendOcrScan("front", idFront, known.transactionId, true, { signal, headers, scenario: scenarios.front });
        known.transactionId = front.transactionId;
        known.idFront = front.data;
        const back = await sendOcrScan("back", idBack, known.transactionId, true, { signal, headers, scenario: scenarios.back });
        known.transactionId = back.transactionId;
        known.idBack = back.data;
        const liveness = await sendOcrLiveness(faces, known.transactionId, true, { signal, headers, scenario: scenarios.liveness });
        known.transactionId = liveness.transactionId;
        return capturedOutcome(liveness, known);
      } catch (error) {
        if (error instanceof VlensApiError && error.isRejection) {
          const step = error.operation === "ocrIdFront" ? "front" : error.operation === "ocrIdBack" ? "back" : "liveness";
          return rejectedBy(error, step, known);
        }
        throw error;
      }
    },

    async ocrLiveness(input, callOptions) {
      const transactionId = requiredTransactionId(input.transactionId);
      return sendOcrLiveness(await encodeFaces(input.faces, policy), transactionId, input.getExtractedData ?? true, callOptions);
    },

    async linkTransaction(input, callOptions) {
      const transactionId = requiredTransactionId(input.transactionId);
      const body = { transactionId, getExtractedData: input.getExtractedData ?? true };
      return verdict("link", () => call("linkUserWithExistingTransaction", { body }, callOptions), { transactionId }, callOptions?.headers);
    },
  };
}
