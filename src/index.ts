// The package's entry point: the client and its errors. The generated catalogues are in
// `vlens-digital-identity/schema`, so a bundle of the client does not carry them up front.
export { createVlensClient } from "./client.js";
export type { ApiInit, PathsWith, VlensApi } from "./api.js";
export type {
  CallOptions,
  CaptureBeforeLoginOptions,
  CaptureData,
  CaptureLivenessInput,
  CaptureStep,
  IdScan,
  IdScanInput,
  LivenessInput,
  OperationRequest,
  VerifyIdentityInput,
  VerifyIdentityOptions,
  VlensAnswer,
  VlensClient,
  VlensClientOptions,
} from "./client.js";
export type { ErrorCodeEntry, KnownErrorCode } from "./catalogue.js";
export { VlensApiError, VlensError, VlensInputError, VlensTransportError } from "./errors.js";
export type { InputProblem, TransportFailure, VlensApiErrorDetails, VlensFieldError } from "./errors.js";
export type { FaceInput, Faces, ImageInput, VlensWarning } from "./images.js";
export type {
  CapturedOutcome,
  CaptureOutcome,
  Person,
  RejectedOutcome,
  ValidatedOutcome,
  VerificationOutcome,
  VerificationStep,
  VerifiedOutcome,
} from "./outcome.js";
export type { RejectionReason } from "./reasons.js";
export { preferHeader, scenarioHeaders } from "./scenarios.js";
export type { Scenario, ScenarioName } from "./scenarios.js";
export type { AccessToken, FetchFunction, RefreshAccessToken, TokenContext, TokenKind } from "./transport.js";
export type { OperationId } from "./types.js";
