// createVlensClient: the typed openapi-fetch client over the transport, the envelope rules on top
// of it, and the verification flow (front, back, liveness, chained by one transaction id).
import { operationTable } from "../generated/operations.js";
import { lazyApi, type VlensApi } from "./api.js";
import { checkTransactionId, requiredTransactionId, requireText } from "./checks.js";
import { hasValidationErrors, isFailureEnvelope, isRecord, renamedErrorMember, servicesOf, transactionIdOf, type Envelope } from "./envelope.js";
import { describeFailure, VlensInputError, VlensTransportError } from "./errors.js";
import type { AnswerContext } from "./failure.js";
import type { FlowCore, FlowName } from "./flows.js";
import { checkHeaderValue, withCallerHeaders } from "./headers.js";
import { checkImageText, encodeImage, type Faces, type ImageInput, type ImagePolicy, type VlensWarning } from "./images.js";
import type { CaptureOutcome, VerificationOutcome } from "./outcome.js";
import { captureReasons } from "./reasons.js";
import { preferHeader, type Scenario } from "./scenarios.js";
import type { Carried } from "./secrets.js";
import { createTransport, type AccessToken, type FetchFunction, type RefreshAccessToken } from "./transport.js";
import type {
  IdBackData,
  IdFrontData,
  OcrIdBackData,
  OcrIdFrontData,
  OcrLivenessData,
  OperationId,
  QueryParams,
  RequestBody,
  ResultData,
  Services,
  SuccessEnvelope,
  VerificationData,
  VerificationResponse,
} from "./types.js";
import { randomUuid } from "./uuid.js";

export interface VlensClientOptions {
  /** The tenant's static API key, sent as the `ApiKey` header on every request. */
  apiKey: string;
  /** Default `https://api.vlenseg.com`; the mock's URL in tests (`http://127.0.0.1:4010` with `npm start`). */
  baseUrl?: string;
  /** Sent as the `TenancyName` header on every request (the vendor's SDKs do); admin login needs it. */
  tenancyName?: string;
  /** The bearer token, or a function (sync or async) called for every request whose operation needs one. */
  accessToken?: AccessToken;
  /** Called once when a request is refused with 401 (HTTP, or `error_code` 401); the request is retried once with the token it returns. */
  refreshAccessToken?: RefreshAccessToken;
  /** Sent as `Accept-Language` (`en` or `ar`). */
  language?: string;
  /** Sent as `BundleKey` on the key-only captures (`/v1/ocr/*`), the OCR product's bundle; the vendor's SDKs do without it. */
  bundleKey?: string;
  /** A fetch implementation, called like `globalThis.fetch` (a URL and an init, or a Request); default `globalThis.fetch`. */
  fetch?: FetchFunction;
  /** Limit for one exchange, answer body included; default 30 000 ms. */
  timeoutMs?: number;
  /**
   * The most bytes one answer's body may have, counted decoded (after gzip, deflate or brotli) as it
   * arrives; default 33 554 432 (32 MiB), far above the largest real answer (a step image, a few MB
   * of base64). Over it, reading stops at once and the call fails with a `VlensTransportError`
   * `too-large` naming the limit. `Infinity` removes the limit.
   */
  maxResponseBytes?: number;
  /** Makes the `X-Request-Id` of each request; default a random UUID. */
  requestId?: () => string;
  /** Faces over 500 KB fail the pre-flight checks instead of warning. */
  strict?: boolean;
  /** Receives pre-flight warnings (faces over 500 KB); default `console.warn`. */
  onWarning?: (warning: VlensWarning) => void;
  /** Receives one line per request (method, path, status, time, request id). Never secrets, bodies or query strings. */
  log?: (line: string) => void;
}

export interface CallOptions<Op extends OperationId> {
  signal?: AbortSignal;
  /** Ask the mock for a named scenario of the operation (sends `Prefer`). */
  scenario?: Scenario<Op>;
  /** The `X-Request-Id` to send; default a new one from the `requestId` option. */
  requestId?: string;
  /**
   * More headers for this call. Each replaces the client's header of the same name, in any letter
   * case; an `Authorization` given here is sent as it is (no token added, none refreshed).
   */
  headers?: Record<string, string>;
}

/** What an operation takes: its JSON body and/or its query parameters, as the description types them. */
export type OperationRequest<Op extends OperationId> = ([RequestBody<Op>] extends [never] ? unknown : { body: RequestBody<Op> }) &
  ([QueryParams<Op>] extends [never] ? unknown : { query: QueryParams<Op> }) & { headers?: Record<string, string> };

/** A successful answer (HTTP 2xx and no error code). */
export interface VlensAnswer<Op extends OperationId> {
  data: SuccessEnvelope<Op>["data"];
  envelope: SuccessEnvelope<Op>;
  status: number;
  requestId: string;
}

/** An ID side the API accepted. */
export interface IdScan {
  side: "front" | "back";
  /** The transaction id to send on the next steps (as the answer returned it, or the one sent). */
  transactionId: string;
  idFront: IdFrontData | null;
  idBack: IdBackData | null;
  services: Services | null;
  data: VerificationData | null;
  requestId: string;
}

export interface IdScanInput {
  image: ImageInput;
  /** Front: optional (a lowercase UUID is generated, as the vendor's SDKs do; any letter case may be passed and is sent as given). Back: the front's transaction id. */
  transactionId?: string;
  /** Return the OCR fields; default true. */
  getExtractedData?: boolean;
}

export interface LivenessInput {
  faces: Faces;
  transactionId: string;
  getExtractedData?: boolean;
}

export interface VerifyIdentityInput {
  idFront: ImageInput;
  idBack: ImageInput;
  faces: Faces;
  /** Start with this transaction id instead of a generated one. */
  transactionId?: string;
}

/** A key-only capture step (`/v1/ocr/*`) the API accepted. */
export interface CaptureStep<Step extends keyof CaptureData = keyof CaptureData> {
  step: Step;
  /** The transaction id to send on the next steps and to `linkTransaction` (as the answer returned it, or the one sent). */
  transactionId: string;
  /** `data` of the answer: the fields read from the card (front, back, each with the `transaction_id` the client checked) or the liveness flags. */
  data: CaptureData[Step];
  /** `services` of the answer (`Services` in the older OCR reference). */
  services: Services | null;
  requestId: string;
}

/** What each key-only capture step answers in `data`. */
export interface CaptureData {
  front: OcrIdFrontData;
  back: OcrIdBackData;
  liveness: OcrLivenessData;
}

export interface CaptureLivenessInput {
  faces: Faces;
  /** The transaction of the key-only ID captures. */
  transactionId: string;
  getExtractedData?: boolean;
}

export interface CaptureBeforeLoginOptions {
  signal?: AbortSignal;
  /** More headers for every step (see `CallOptions.headers`). */
  headers?: Record<string, string>;
  /** Mock scenarios per step. */
  scenarios?: { front?: Scenario<"ocrIdFront">; back?: Scenario<"ocrIdBack">; liveness?: Scenario<"ocrLiveness"> };
}

export interface VerifyIdentityOptions {
  signal?: AbortSignal;
  /** More headers for every step (see `CallOptions.headers`). */
  headers?: Record<string, string>;
  /** Mock scenarios per step. */
  scenarios?: { front?: Scenario<"verifyIdFront">; back?: Scenario<"verifyIdBack">; liveness?: Scenario<"verifyLiveness"> };
}

type Operation<Op extends OperationId, Input> = (input: Input, options?: CallOptions<Op>) => Promise<ResultData<Op>>;
/** An operation whose successful `data` is not described (any value, `null` included). */
type OpaqueOperation<Op extends OperationId, Input> = (input: Input, options?: CallOptions<Op>) => Promise<unknown>;

export interface VlensClient {
  /** The openapi-fetch client typed with every path of the description (HTTP level: envelope errors are in `data`). */
  readonly api: VlensApi;
  /** Any operation by its operationId; resolves with the envelope when it is a success, throws otherwise. */
  call<Op extends OperationId>(operation: Op, request: OperationRequest<Op>, options?: CallOptions<Op>): Promise<VlensAnswer<Op>>;
  /** Front, back, then liveness, chained by one transaction id. Rejections resolve; other failures throw. */
  verifyIdentity(input: VerifyIdentityInput, options?: VerifyIdentityOptions): Promise<VerificationOutcome>;
  /** Scan the front of the ID. Throws VlensApiError on an error code, field validation errors or a fake document. */
  scanIdFront(input: IdScanInput, options?: CallOptions<"verifyIdFront">): Promise<IdScan>;
  /** Scan the back of the ID, in the front's transaction. */
  scanIdBack(input: IdScanInput & { transactionId: string }, options?: CallOptions<"verifyIdBack">): Promise<IdScan>;
  /** Liveness on three faces; resolves with the verdict. */
  checkLiveness(input: LivenessInput, options?: CallOptions<"verifyLiveness">): Promise<VerificationOutcome>;
  /** Attach a transaction captured before login to the user (needs the user token); resolves with the verdict. */
  linkTransaction(input: { transactionId: string; getExtractedData?: boolean }, options?: CallOptions<"linkUserWithExistingTransaction">): Promise<VerificationOutcome>;
  /**
   * Capture before login: front, back, then liveness on the API key alone (`/v1/ocr/*`, no bearer
   * token is sent or needed), chained by one transaction id. Resolves `captured` with the
   * transaction id to pass to `linkTransaction` after login (that answer is the verdict), or
   * `rejected` when a capture was turned down; other failures throw.
   */
  captureBeforeLogin(input: VerifyIdentityInput, options?: CaptureBeforeLoginOptions): Promise<CaptureOutcome>;
  /** Key-only front scan (`/v1/ocr/id/front`). Throws VlensApiError on an error code, field validation errors or a fake document. */
  ocrIdFront(input: IdScanInput, options?: CallOptions<"ocrIdFront">): Promise<CaptureStep<"front">>;
  /** Key-only back scan (`/v1/ocr/id/back`), in the front's transaction. */
  ocrIdBack(input: IdScanInput & { transactionId: string }, options?: CallOptions<"ocrIdBack">): Promise<CaptureStep<"back">>;
  /** Key-only liveness (`/v1/ocr/liveness/multi`). Throws VlensApiError when the faces did not pass (`isRejection`) or on an error code. */
  ocrLiveness(input: CaptureLivenessInput, options?: CallOptions<"ocrLiveness">): Promise<CaptureStep<"liveness">>;
  /** Admin login; `tenancyName` defaults to the client's. */
  adminLogin: Operation<"adminLogin", { userNameOrEmailAddress: string; password: string; tenancyName?: string }>;
  refreshToken: Operation<"refreshToken", RequestBody<"refreshToken">>;
  userLogin: Operation<"userLogin", RequestBody<"userLogin">>;
  getUserDigitalIdentityImages: Operation<"getUserDigitalIdentityImages", QueryParams<"getUserDigitalIdentityImages">>;
  getStepImage: Operation<"getStepImage", QueryParams<"getStepImage">>;
  checkExistenceOfEmailOrPhone: Operation<"checkExistenceOfEmailOrPhone", RequestBody<"checkExistenceOfEmailOrPhone">>;
  registerStepVerifyPhone: Operation<"registerStepVerifyPhone", RequestBody<"registerStepVerifyPhone">>;
  registerStepVerifyEmail: Operation<"registerStepVerifyEmail", RequestBody<"registerStepVerifyEmail">>;
  register: Operation<"register", RequestBody<"register">>;
  registerStepVerifyOAuthToken: Operation<"registerStepVerifyOAuthToken", RequestBody<"registerStepVerifyOAuthToken">>;
  verifyOAuthToken: Operation<"verifyOAuthToken", RequestBody<"verifyOAuthToken">>;
  verifyPassportScan: Operation<"verifyPassportScan", RequestBody<"verifyPassportScan">>;
  verifyPassportNfc: Operation<"verifyPassportNfc", RequestBody<"verifyPassportNfc">>;
  createAuthSession: Operation<"createAuthSession", RequestBody<"createAuthSession">>;
  /** Needs the client's `tenancyName` (sent as `TenancyName`, required here) and an admin token. */
  getTransactionById: Operation<"getTransactionById", QueryParams<"getTransactionById">>;
  /** The user withdraws their own verified identity (user token, `tenancyName`). Resolves with `data`, whose shape is not public. */
  cancelVerifiedDigitalIdentity(options?: CallOptions<"cancelVerifiedDigitalIdentity">): Promise<unknown>;
  /** An admin withdraws a user's verified identity (admin token, `tenancyName`). Resolves with `data`, whose shape is not public. */
  cancelVerifiedDigitalIdentityForAdmin: OpaqueOperation<"cancelVerifiedDigitalIdentityForAdmin", RequestBody<"cancelVerifiedDigitalIdentityForAdmin">>;
}

const defaultBaseUrl = "https://api.vlenseg.com";
/** Operations whose method just unwraps the envelope: named after the operationId, taking its body or query. */
const plainOperations = [
  "refreshToken",
  "userLogin",
  "getUserDigitalIdentityImages",
  "getStepImage",
  "checkExistenceOfEmailOrPhone",
  "registerStepVerifyPhone",
  "registerStepVerifyEmail",
  "register",
  "registerStepVerifyOAuthToken",
  "verifyOAuthToken",
  "verifyPassportScan",
  "verifyPassportNfc",
  "createAuthSession",
  "getTransactionById",
] as const;

/** A step's image as checked base64; base64 text is checked without a promise (the common case of the ID scans). */
const stepImage = (image: ImageInput): string | Promise<string> => (typeof image === "string" ? checkImageText(image, "image") : encodeImage(image, "image"));

/** The JSON body of an ID scan. The checked base64 image holds nothing JSON escapes, so the body is spliced around it rather than scanned by JSON.stringify once more (2 ms for a 2 MB image): the same text as JSON.stringify({ image, transaction_id, getExtractedData }). */
function idScanBody(image: string, transactionId: string, getExtractedData: boolean): string {
  return `{"image":"${image}",${JSON.stringify({ transaction_id: transactionId, getExtractedData }).slice(1)}`;
}

export function createVlensClient(options: VlensClientOptions): VlensClient {
  if (typeof options !== "object" || options === null) throw new VlensInputError("missing-option", "options", "createVlensClient needs { apiKey }");
  // Options sent as headers: a character no HTTP header can carry is named here, before anything is sent.
  const headerOption = (name: "apiKey" | "tenancyName" | "language" | "bundleKey", required: boolean) => {
    const value = requireText(options[name], name, required);
    return value === undefined ? undefined : checkHeaderValue(value, name);
  };
  const apiKey = headerOption("apiKey", true)!;
  const tenancyName = headerOption("tenancyName", false);
  const language = headerOption("language", false);
  const baseUrl = (requireText(options.baseUrl, "baseUrl", false) ?? defaultBaseUrl).replace(/\/+$/, "");
  // No user info (user:password@): fetch would quote the password in its errors; credentials go in headers.
  if (!/^(https?:\/\/(?![^/]*@)[^/]|\/)/i.test(baseUrl)) throw new VlensInputError("invalid-option", "baseUrl", "expected an http(s) URL (no user info) or a path starting with /");
  const limit = (name: "timeoutMs" | "maxResponseBytes", unit: string, fallback: number, most: number) => {
    const value = options[name] ?? fallback;
    if (!(value > 0 && value <= most)) throw new VlensInputError("invalid-option", name, `expected a positive number of ${unit}`);
    return value;
  };
  // setTimeout takes at most 2^31 - 1 ms.
  const timeoutMs = limit("timeoutMs", "milliseconds", 30_000, 2_147_483_647);
  const maxResponseBytes = limit("maxResponseBytes", "bytes", 33_554_432, Number.POSITIVE_INFINITY);
  for (const name of ["fetch", "refreshAccessToken", "requestId", "onWarning", "log"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") throw new VlensInputError("invalid-option", name, "expected a function");
  }
  if (options.accessToken !== undefined && typeof options.accessToken !== "function") checkHeaderValue(requireText(options.accessToken, "accessToken", true), "accessToken");
  const fetchImpl = options.fetch ?? ((input: string | Request, init?: RequestInit) => globalThis.fetch(input, init));
  const newRequestId = options.requestId ?? randomUuid;
  const bundleKey = headerOption("bundleKey", false);
  const captureHeaders = bundleKey ? { BundleKey: bundleKey } : undefined;
  const policy: ImagePolicy = {
    strict: options.strict === true,
    warn: options.onWarning ?? ((warning) => console.warn(`vlens: ${warning.message}`)),
  };

  const transport = createTransport({
    baseUrl,
    apiKey,
    bundleKey,
    tenancyName,
    language,
    accessToken: options.accessToken,
    refreshAccessToken: options.refreshAccessToken,
    fetch: fetchImpl,
    timeoutMs,
    maxResponseBytes,
    newRequestId,
    log: options.log,
  });
  /** What an error built after an answer is redacted of: the client's key and tokens, and the credentials among the caller's headers. */
  const withCaller = (headers: Record<string, string> | undefined): Carried => ({ known: transport.secrets, headers: headers && Object.entries(headers) });
  const answerContext = (operation: OperationId, { status, requestId }: { status: number; requestId: string }, headers?: Record<string, string>): AnswerContext => ({
    operation,
    status,
    requestId,
    carried: withCaller(headers),
  });
  const api = lazyApi(baseUrl, transport);

  async function call<Op extends OperationId>(operation: Op, request: OperationRequest<Op>, callOptions: CallOptions<Op> = {}): Promise<VlensAnswer<Op>> {
    const { body, query, headers } = request as { body?: unknown; query?: Record<string, unknown>; headers?: Record<string, string> };
    let text: string | undefined;
    try {
      text = body === undefined ? undefined : JSON.stringify(body);
    } catch (error) {
      throw (await describeFailure()).unserializableBody(error, { known: transport.secrets, body });
    }
    return sendJson(operation, text, query, headers, callOptions, body);
  }

  /** An operation with its body already as JSON text (`value`: the body before it was serialized, read for secrets if the call fails). */
  async function sendJson<Op extends OperationId>(
    operation: Op,
    body: string | undefined,
    query: Record<string, unknown> | undefined,
    headers: Record<string, string> | undefined,
    callOptions: CallOptions<Op>,
    value?: unknown,
  ): Promise<VlensAnswer<Op>> {
    const { method, path } = operationTable[operation];
    // Sent with fetch directly, not through openapi-fetch: one Request, built by fetch itself, as a bare call would.
    let url = `${baseUrl}${path}`;
    if (query) {
      const search = new URLSearchParams();
      for (const [name, item] of Object.entries(query)) {
        if (item == null) continue;
        if (typeof item === "object" || typeof item === "symbol" || typeof item === "function")
          throw new VlensInputError("invalid-request", `query.${name}`, "expected a string, a number or a boolean");
        search.append(name, String(item));
      }
      const queryText = search.toString();
      if (queryText) url += `?${queryText}`;
    }
    let sent: Record<string, string> = {};
    if (body !== undefined) sent["Content-Type"] = "application/json";
    if (callOptions.scenario !== undefined) sent.Prefer = preferHeader(callOptions.scenario as string);
    // A caller's header replaces the client's of the same name, in any letter case (X-Request-Id too).
    let given: Map<string, string> | undefined;
    if (headers || callOptions.headers) ({ headers: sent, given } = withCallerHeaders(sent, headers, callOptions.headers));
    // Sent as X-Request-Id: a value no header can carry is named, never sent (nor echoed).
    const requestId = given?.get("x-request-id") ?? checkHeaderValue(callOptions.requestId ?? newRequestId(), "requestId");
    if (!given?.has("x-request-id")) sent["X-Request-Id"] = requestId;
    const exchange = await transport.send(operation, url, { method, headers: sent, given, requestId, body, signal: callOptions.signal, value });
    const { status, json: answer } = exchange;
    // What an error of the call is redacted of: the client's key and tokens, and what the call carried (its token, the caller's credentials, the body's secrets).
    const context = () => ({
      operation,
      status,
      requestId,
      carried: { known: exchange.token ? [...transport.secrets, exchange.token] : transport.secrets, headers: Object.entries(sent), body: value },
    });
    const envelope = answer as SuccessEnvelope<Op> & Envelope;
    // `data` is on every answer (the description requires it); a success without it is not an envelope,
    // whatever it holds (a proxy's `Data`, a wrapper object), and never a result. Nor is one whose
    // error members are spelled otherwise (`Error_Code`): they may hold a failure.
    const valid = isRecord(answer);
    if (valid && (!(status >= 200 && status < 300) || isFailureEnvelope(envelope))) throw await (await describeFailure()).apiError(envelope, context());
    if (!valid || !("data" in envelope) || renamedErrorMember(envelope)) throw (await describeFailure()).notEnvelope(context(), exchange);
    return { data: envelope.data as VlensAnswer<Op>["data"], envelope, status, requestId };
  }

  /** Header parameters the operation requires that the client cannot send (only `TenancyName` exists): a clear error before sending. */
  function checkRequiredHeaders(operation: OperationId, headers: Record<string, string> | undefined, callOptions?: CallOptions<OperationId>): void {
    for (const name of operationTable[operation].requiredHeaders as readonly string[]) {
      const given = name === "TenancyName" ? tenancyName : undefined;
      const sent = [...Object.keys(headers ?? {}), ...Object.keys(callOptions?.headers ?? {})].some((header) => header.toLowerCase() === name.toLowerCase());
      if (!given && !sent) throw new VlensInputError("missing-option", "tenancyName", `${operation} needs the ${name} header: pass tenancyName to createVlensClient`);
    }
  }

  async function dataOf<Op extends OperationId>(operation: Op, request: OperationRequest<Op>, callOptions?: CallOptions<Op>): Promise<ResultData<Op>> {
    checkRequiredHeaders(operation, (request as { headers?: Record<string, string> }).headers, callOptions);
    const answer = await call(operation, request, callOptions);
    // Every result is an object, but the session token of createAuthSession (a string).
    if (operation === "createAuthSession" ? answer.data == null : !isRecord(answer.data)) throw (await describeFailure()).noResult(answerContext(operation, answer), answer.data);
    return answer.data as ResultData<Op>;
  }

  /**
   * Sends a capture step and checks its answer: an HTTP 200 without error code still fails the step
   * when a field or the document itself failed its checks (validations, spoofing, liveness, face match).
   */
  async function sendCapture<Op extends "verifyIdFront" | "verifyIdBack" | "ocrIdFront" | "ocrIdBack" | "ocrLiveness">(
    operation: Op,
    body: string,
    headers: Record<string, string> | undefined,
    callOptions: CallOptions<Op> | undefined,
  ) {
    const answer = await sendJson(operation, body, undefined, headers, callOptions ?? {});
    const envelope = answer.envelope as Envelope;
    const services = servicesOf(envelope);
    const data = isRecord(envelope.data) ? envelope.data : null;
    if (hasValidationErrors(services) || captureReasons(services, data as VerificationData | null).length) {
      throw await (await describeFailure()).apiError({ ...envelope, services }, answerContext(operation, answer, callOptions?.headers));
    }
    // No error code and no check failed, yet no result: the server's fault, not a capture to redo.
    if (data === null) throw (await describeFailure()).noResult(answerContext(operation, answer), envelope.data);
    return { envelope, services, data, status: answer.status, requestId: answer.requestId };
  }

  async function sendScan(
    side: IdScan["side"],
    image: string,
    transactionId: string,
    getExtractedData: boolean,
    callOptions?: CallOptions<"verifyIdFront" | "verifyIdBack">,
  ): Promise<IdScan> {
    const operation = side === "front" ? "verifyIdFront" : "verifyIdBack";
    const answer = await sendCapture(operation, idScanBody(image, transactionId, getExtractedData), undefined, callOptions);
    const data = answer.data as VerificationData | null;
    return {
      side,
      transactionId: transactionIdOf(answer.envelope as VerificationResponse) ?? transactionId,
      idFront: data?.idFrontData ?? null,
      idBack: data?.idBackData ?? null,
      services: answer.services,
      data,
      requestId: answer.requestId,
    };
  }

  async function sendOcrScan<Step extends "front" | "back">(
    step: Step,
    image: string,
    transactionId: string,
    getExtractedData: boolean,
    callOptions?: CallOptions<"ocrIdFront" | "ocrIdBack">,
  ): Promise<CaptureStep<Step>> {
    const operation = step === "front" ? "ocrIdFront" : "ocrIdBack";
    const answer = await sendCapture(operation, idScanBody(image, transactionId, getExtractedData), captureHeaders, callOptions);
    const data = answer.data as CaptureData[Step];
    // Every /v1 answer carries the transaction it continues (the description requires it): without it
    // the next step and the link would run on an id the server never confirmed.
    if (typeof data.transaction_id !== "string" || !data.transaction_id) {
      throw (await describeFailure()).noResult(answerContext(operation, answer, callOptions?.headers), data, "transaction_id");
    }
    return { step, transactionId: data.transaction_id, data, services: answer.services, requestId: answer.requestId };
  }

  // The flows (flows.ts) load on the first call of one of them.
  let loadingFlows: Promise<Pick<VlensClient, FlowName>> | undefined;
  const flowCore: FlowCore = { policy, captureHeaders, call, sendScan, sendOcrScan, sendCapture, answerContext, withCaller };
  const flows = () =>
    (loadingFlows ??= import("./flows.js").then(
      ({ createFlows }) => createFlows(flowCore),
      (error: unknown) => {
        loadingFlows = undefined;
        throw new VlensTransportError("network", { operation: undefined, requestId: undefined, detail: "the verification flows could not be loaded" }, { cause: error });
      },
    ));

  return {
    api,
    call,
    // Each flow loads flows.ts on its first call (made from the list: five spelled-out methods weigh more up front).
    ...(Object.fromEntries(
      (["verifyIdentity", "checkLiveness", "linkTransaction", "captureBeforeLogin", "ocrLiveness"] as const).map((name) => [
        name,
        (input: never, callOptions: never) => flows().then((loaded) => (loaded[name] as (input: never, callOptions: never) => unknown)(input, callOptions)),
      ]),
    ) as Pick<VlensClient, FlowName>),

    async scanIdFront(input, callOptions) {
      const transactionId = checkTransactionId(input.transactionId, "transactionId") ?? randomUuid();
      const image = stepImage(input.image);
      return sendScan("front", typeof image === "string" ? image : await image, transactionId, input.getExtractedData ?? true, callOptions);
    },

    async scanIdBack(input, callOptions) {
      const transactionId = requiredTransactionId(input.transactionId);
      const image = stepImage(input.image);
      return sendScan("back", typeof image === "string" ? image : await image, transactionId, input.getExtractedData ?? true, callOptions);
    },

    async ocrIdFront(input, callOptions) {
      const transactionId = checkTransactionId(input.transactionId, "transactionId") ?? randomUuid();
      const image = stepImage(input.image);
      return sendOcrScan("front", typeof image === "string" ? image : await image, transactionId, input.getExtractedData ?? true, callOptions);
    },

    async ocrIdBack(input, callOptions) {
      const transactionId = requiredTransactionId(input.transactionId);
      const image = stepImage(input.image);
      return sendOcrScan("back", typeof image === "string" ? image : await image, transactionId, input.getExtractedData ?? true, callOptions);
    },

    async adminLogin({ tenancyName: tenant = tenancyName, ...credentials }, callOptions) {
      const name = requireText(tenant, "tenancyName", true)!;
      return dataOf("adminLogin", { body: { tenancyName: name, ...credentials }, headers: { TenancyName: name } }, callOptions);
    },
    async cancelVerifiedDigitalIdentity(callOptions) {
      checkRequiredHeaders("cancelVerifiedDigitalIdentity", undefined, callOptions);
      return (await call("cancelVerifiedDigitalIdentity", { body: {} }, callOptions)).data;
    },

    async cancelVerifiedDigitalIdentityForAdmin(input, callOptions) {
      checkRequiredHeaders("cancelVerifiedDigitalIdentityForAdmin", undefined, callOptions);
      return (await call("cancelVerifiedDigitalIdentityForAdmin", { body: input }, callOptions)).data;
    },
    ...(Object.fromEntries(
      plainOperations.map((operation) => [
        operation,
        // GET operations take query parameters, the others a JSON body, as the description declares them.
        (input: unknown, callOptions?: CallOptions<typeof operation>) =>
          dataOf(operation, { [operationTable[operation].method === "GET" ? "query" : "body"]: input } as OperationRequest<typeof operation>, callOptions),
      ]),
    ) as Pick<VlensClient, (typeof plainOperations)[number]>),
  };
}
