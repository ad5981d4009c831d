// Type tests (vitest typecheck): everything is typed from the description, so wrong paths, wrong
// bodies, wrong fields and misspelt mock scenarios do not compile. Each @ts-expect-error fails the
// run if the line below it compiles.
import { describe, expectTypeOf, it } from "vitest";
import {
  createVlensClient,
  scenarioHeaders,
  VlensApiError,
  type CaptureOutcome,
  type CaptureStep,
  type ErrorCodeEntry,
  type RejectionReason,
  type Scenario,
  type VerificationOutcome,
} from "../src/index.js";
import type { components, paths } from "../src/schema.js";

const vlens = createVlensClient({ apiKey: "k", accessToken: async () => "t" });
const image = "/9j/4AAQ";

describe("vlens.api, the openapi-fetch client typed with paths", () => {
  it("takes the paths and bodies of the description", async () => {
    const { data, error } = await vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { image, getExtractedData: true } });
    expectTypeOf<NonNullable<typeof data>>().toMatchTypeOf<components["schemas"]["VerificationResponse"]>();
    expectTypeOf<components["schemas"]["VerificationResponse"]>().toMatchTypeOf<NonNullable<typeof data>>();
    expectTypeOf(data!.services).toEqualTypeOf<components["schemas"]["Services"] | undefined>();
    expectTypeOf(error).toEqualTypeOf<components["schemas"]["ErrorEnvelope"] | undefined>();
    expectTypeOf<keyof paths>().toEqualTypeOf<
      | "/api/DigitalIdentity/verify/id/front"
      | "/api/DigitalIdentity/verify/id/back"
      | "/api/DigitalIdentity/verify/liveness/multi"
      | "/api/DigitalIdentity/LinkUserWithExistingTransaction"
      | "/v1/ocr/id/front"
      | "/v1/ocr/id/back"
      | "/v1/ocr/liveness/multi"
      | "/api/DigitalIdentity/verify/passport/scan"
      | "/api/DigitalIdentity/verify/passport/nfc"
      | "/api/DigitalIdentity/CancelVerifiedDigitalIdentity"
      | "/api/DigitalIdentity/GetUserDigitalIdentityImages"
      | "/api/DigitalIdentity/GetStepImage"
      | "/api/Transactions/GetTransactionById"
      | "/api/DigitalIdentity/CancelVerifiedDigitalIdentityForAdmin"
      | "/api/credentials/Login"
      | "/api/credentials/RefreshToken"
      | "/api/DigitalIdentity/Login"
      | "/api/IdentityUserSession/CreateAuthSession"
      | "/api/DigitalIdentity/CheckExistenceOfEmailOrPhone"
      | "/api/DigitalIdentity/Register/StepVerifyPhone"
      | "/api/DigitalIdentity/Register/StepVerifyEmail"
      | "/api/DigitalIdentity/Register/StepVerifyOAuthToken"
      | "/api/DigitalIdentity/VerifyOAuthToken"
      | "/api/DigitalIdentity/Register"
    >();
  });

  it("refuses wrong paths, methods, bodies and fields", () => {
    // @ts-expect-error a path the description does not have
    void vlens.api.POST("/api/DigitalIdentity/verify/id/frnt", { body: { image } });
    // @ts-expect-error GET on a POST-only path
    void vlens.api.GET("/api/DigitalIdentity/verify/id/front");
    // @ts-expect-error the body misses the required image
    void vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { transaction_id: null } });
    // @ts-expect-error a field the request schema does not declare
    void vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { image, imageBack: image } });
    // @ts-expect-error a field of the wrong type
    void vlens.api.POST("/api/DigitalIdentity/verify/liveness/multi", { body: { face_1: image, face_2: image, face_3: image, transaction_id: 42 } });
    // @ts-expect-error liveness needs three faces
    void vlens.api.POST("/api/DigitalIdentity/verify/liveness/multi", { body: { face_1: image, face_2: image, transaction_id: "x" } });
    // @ts-expect-error the query of GetStepImage is required
    void vlens.api.GET("/api/DigitalIdentity/GetStepImage");
    // @ts-expect-error a misspelt query parameter
    void vlens.api.GET("/api/DigitalIdentity/GetStepImage", { params: { query: { TransactionId: "t", Filename: "f" } } });
  });

  it("reads response fields as the description types them", async () => {
    const { data } = await vlens.api.POST("/api/DigitalIdentity/verify/liveness/multi", {
      body: { face_1: image, face_2: image, face_3: image, transaction_id: "81f404b3-d7dc-4f08-b4fe-934853c86282" },
    });
    // Required (every source shows it), nullable.
    expectTypeOf(data!.data!.isDigitalIdentityVerified).toEqualTypeOf<boolean | null>();
    expectTypeOf(data!.services!.AML!.AML_matched).toEqualTypeOf<boolean | null | undefined>();
    // @ts-expect-error a response field that does not exist
    void data!.data!.isVerified;
    // @ts-expect-error validations are nested in services
    void data!.Validations;
  });
});

describe("the operations", () => {
  it("call() is typed per operationId", async () => {
    const answer = await vlens.call("getStepImage", { query: { TransactionId: "t", FileName: "f" } });
    expectTypeOf(answer.data).toEqualTypeOf<components["schemas"]["StepImage"] | undefined>();
    // @ts-expect-error an operationId the description does not have
    void vlens.call("verifyIdFrontSide", { body: { image } });
    // @ts-expect-error a POST operation takes a body, not a query
    void vlens.call("register", { query: { phoneNumber: "+20" } });
    // @ts-expect-error a wrong body
    void vlens.call("register", { body: { phone: "+201001234567" } });
  });

  it("the admin and token operations return the typed data", async () => {
    const token = await vlens.adminLogin({ userNameOrEmailAddress: "a", password: "b" });
    expectTypeOf(token.accessToken).toEqualTypeOf<string | null>();
    expectTypeOf(token.refreshToken).toEqualTypeOf<string | null | undefined>();
    const images = await vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: "+201001234567" });
    expectTypeOf(images.idFrontImage).toEqualTypeOf<string | null>();
    // @ts-expect-error refreshToken takes { refreshToken }
    void vlens.refreshToken({ token: "rt" });
    // @ts-expect-error a phone number or an email is required
    void vlens.checkExistenceOfEmailOrPhone({});
    void vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" });
  });

  it("the other operations are methods named after their operationId, typed from the description", async () => {
    const oauth = await vlens.registerStepVerifyOAuthToken({ provider: "Google", IdToken: "id.token.jwt" });
    expectTypeOf(oauth.oAuthTokenVerificationRequestId).toEqualTypeOf<string | null>();
    void vlens.verifyOAuthToken({ provider: "Microsoft", IdToken: "t" });
    // @ts-expect-error the provider is Google or Microsoft
    void vlens.verifyOAuthToken({ provider: "Apple", IdToken: "t" });
    // @ts-expect-error IdToken is spelt with a capital I, as documented
    void vlens.verifyOAuthToken({ provider: "Google", idToken: "t" });
    const transaction = await vlens.getTransactionById({ id: "81F404B3-D7DC-4F08-B4FE-934853C86282" });
    expectTypeOf(transaction.transaction.id).toEqualTypeOf<string>();
    const passport = await vlens.verifyPassportScan({ image });
    expectTypeOf(passport.ePassport_supported).toEqualTypeOf<boolean | null | undefined>();
    void vlens.verifyPassportNfc({ transaction_id: "t", dg1_base64: "QQ==", dg2_base64: "QQ==", sod_base64: "QQ==" });
    expectTypeOf(await vlens.createAuthSession({ sessionPermissions: { DigitalIdentityOnly: true } })).toEqualTypeOf<string>();
    expectTypeOf(vlens.cancelVerifiedDigitalIdentity()).toEqualTypeOf<Promise<unknown>>();
    void vlens.cancelVerifiedDigitalIdentityForAdmin({ userId: 10482 });
    // @ts-expect-error userId is a number
    void vlens.cancelVerifiedDigitalIdentityForAdmin({ userId: "10482" });
  });

  it("capture before login: per-step methods named after the operationId, and one flow that returns the transaction id", async () => {
    const front = await vlens.ocrIdFront({ image });
    expectTypeOf(front).toEqualTypeOf<CaptureStep<"front">>();
    expectTypeOf(front.transactionId).toEqualTypeOf<string>();
    // data is always there on a step that resolved (the client checks it, and transaction_id on the ID steps).
    expectTypeOf(front.data).not.toBeNullable();
    expectTypeOf(front.data.transaction_id).toEqualTypeOf<string>();
    const back = await vlens.ocrIdBack({ image, transactionId: front.transactionId });
    expectTypeOf(back.data.idExpiry).toEqualTypeOf<string | null | undefined>();
    const liveness = await vlens.ocrLiveness({ faces: [image, image, image], transactionId: back.transactionId });
    expectTypeOf(liveness.data.isVerificationProcessCompleted).toEqualTypeOf<boolean | null>();
    // @ts-expect-error the back needs the front's transaction id
    void vlens.ocrIdBack({ image });

    const capture = await vlens.captureBeforeLogin({ idFront: image, idBack: image, faces: [image, image, image] }, { scenarios: { liveness: "spoofDetected" } });
    expectTypeOf(capture).toEqualTypeOf<CaptureOutcome>();
    expectTypeOf(capture.status).toEqualTypeOf<"captured" | "rejected">();
    if (capture.status === "captured") {
      expectTypeOf(capture.transactionId).toEqualTypeOf<string>();
      expectTypeOf(capture.data).not.toBeNullable();
      const verdict = await vlens.linkTransaction({ transactionId: capture.transactionId });
      expectTypeOf(verdict.status).toEqualTypeOf<"verified" | "validated" | "rejected">();
    }
    // @ts-expect-error a logged-in scenario name is not a key-only one
    void vlens.captureBeforeLogin({ idFront: image, idBack: image, faces: [image, image, image] }, { scenarios: { liveness: "amlMatched" } });
  });

  it("verifyIdentity takes three faces and returns a discriminated outcome", async () => {
    const outcome = await vlens.verifyIdentity({ idFront: new Uint8Array(), idBack: new Blob(), faces: [image, new ArrayBuffer(1), { image, capturedAt: Date.now() }] });
    expectTypeOf(outcome).toEqualTypeOf<VerificationOutcome>();
    expectTypeOf(outcome.status).toEqualTypeOf<"verified" | "validated" | "rejected">();
    if (outcome.status === "rejected") {
      expectTypeOf(outcome.error).toEqualTypeOf<VlensApiError | undefined>();
      expectTypeOf(outcome.step).toEqualTypeOf<"front" | "back" | "liveness" | "link">();
    }
    if (outcome.status === "verified") expectTypeOf(outcome.reasons).toEqualTypeOf<[]>();
    expectTypeOf(outcome.reasons[0]).toEqualTypeOf<RejectionReason | undefined>();
    // The client always knows the transaction (it sends an id on the first step), so the outcome's
    // id goes on to the next request as it is.
    expectTypeOf(outcome.transactionId).toEqualTypeOf<string>();
    void vlens.getTransactionById({ id: outcome.transactionId });
    // Registration: the first answer's OTP request id (string | null) goes on to the next call as it came.
    const sent = await vlens.registerStepVerifyPhone({ phoneNumber: "+201012345678" });
    void vlens.registerStepVerifyPhone({ phoneNumber: "+201012345678", phoneNumberOtpRequestId: sent.phoneNumberOtpRequestId, phoneNumberOtp: "123456" });
    // @ts-expect-error only a rejection has an error
    void outcome.error;
    // @ts-expect-error liveness needs three faces
    void vlens.verifyIdentity({ idFront: image, idBack: image, faces: [image, image] });
    // @ts-expect-error an image is bytes, a Blob or base64 text
    void vlens.verifyIdentity({ idFront: 42, idBack: image, faces: [image, image, image] });
  });

  it("errors carry the catalogue entry", () => {
    const error = new VlensApiError({ operation: "verifyIdFront", status: 200, errorCode: 3011, errorMessage: null, fieldErrors: [], requestId: undefined });
    expectTypeOf(error.entry).toEqualTypeOf<ErrorCodeEntry | undefined>();
    expectTypeOf(error.entry!.retryable).toEqualTypeOf<boolean>();
    expectTypeOf(error.entry!.retry).toEqualTypeOf<"fix-request" | "refresh-token" | "later" | "recapture" | "no">();
  });
});

describe("mock scenarios are generated names", () => {
  it("a 2xx scenario by name, any scenario with its status", () => {
    expectTypeOf<"cardNotDetected">().toMatchTypeOf<Scenario<"verifyIdFront">>();
    expectTypeOf<{ code: 401; example: "tokenExpired" }>().toMatchTypeOf<Scenario<"verifyIdFront">>();
    void vlens.scanIdFront({ image }, { scenario: "qualityTooLow" });
    void vlens.checkLiveness({ faces: [image, image, image], transactionId: "t" }, { scenario: { code: 500, example: "internalError" } });
    void vlens.verifyIdentity({ idFront: image, idBack: image, faces: [image, image, image] }, { scenarios: { liveness: "spoofDetected", back: "documentExpired" } });
    scenarioHeaders("verifyLiveness", "amlMatched");
  });

  it("does not compile a misspelt scenario, nor one of another operation or status", () => {
    // @ts-expect-error misspelt
    void vlens.scanIdFront({ image }, { scenario: "cardNotDetectd" });
    // @ts-expect-error a liveness scenario on the front
    void vlens.scanIdFront({ image }, { scenario: "spoofDetected" });
    // @ts-expect-error an error scenario needs its status
    void vlens.scanIdFront({ image }, { scenario: "tokenExpired" });
    // @ts-expect-error tokenExpired is a 401 scenario, not a 400 one
    void vlens.scanIdFront({ image }, { scenario: { code: 400, example: "tokenExpired" } });
    // @ts-expect-error getStepImage declares no 413
    scenarioHeaders("getStepImage", { code: 413, example: "payloadTooLarge" });
    // @ts-expect-error misspelt flow scenario
    void vlens.verifyIdentity({ idFront: image, idBack: image, faces: [image, image, image] }, { scenarios: { front: "spoofDetected" } });
  });
});
