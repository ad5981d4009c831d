// Integration: the client against the real mock (Prism serving the description, over HTTP), for
// every operation and the scenarios that decide an outcome.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMock } from "../mocks/index.js";
import { createVlensClient, scenarioHeaders, VlensApiError, type VlensClient } from "../src/index.js";
import { scenarios } from "../src/schema.js";
import { BACK, FACES, failureOf, FRONT, TRANSACTION_ID } from "./client-helpers.js";

let mock: Awaited<ReturnType<typeof startMock>>;
let vlens: VlensClient;
const input = { idFront: FRONT, idBack: BACK, faces: FACES };
const EXAMPLE_TRANSACTION = "81f404b3-d7dc-4f08-b4fe-934853c86282";

beforeAll(async () => {
  // Every scenario's meaning to the client, from the examples as they are: the mock replays (--stateless).
  mock = await startMock({ port: 0, stateless: true });
  vlens = createVlensClient({ baseUrl: mock.url, apiKey: "test-api-key", tenancyName: "acme", accessToken: "header.payload.signature", language: "en" });
});
afterAll(() => mock?.stop());

describe("the verification flow against the mock", () => {
  it("is verified by default: front, back and liveness chained by the transaction id of the front's answer", async () => {
    const result = await vlens.verifyIdentity(input);
    expect(result.status).toBe("verified");
    expect(result.transactionId).toBe(EXAMPLE_TRANSACTION);
    expect(result.person.idNumber).toBe("29001012101235");
    expect(result.person.idFront?.name_english).toBe("Ahmed Mohamed Ali Hassan");
    expect(result.person.idBack?.idExpiry).toBe("2028-06-14T00:00:00");
  });

  it.each([
    ["validatedNotVerified", "validated", ["src-invalid"]],
    ["livenessFailed", "rejected", ["liveness", "face-mismatch"]],
    ["spoofDetected", "rejected", ["spoofing", "liveness", "face-mismatch"]],
    ["amlMatched", "rejected", ["aml-match"]],
    ["facesIdentical", "rejected", ["error-code", "liveness"]],
    ["noFaceDetected", "rejected", ["error-code"]],
    ["multipleFaces", "rejected", ["error-code"]],
  ] as const)("liveness scenario %s is %s", async (scenario, status, kinds) => {
    const result = await vlens.verifyIdentity(input, { scenarios: { liveness: scenario } });
    expect(result.status).toBe(status);
    expect(result.reasons.map((reason) => reason.kind)).toEqual(kinds);
  });

  it.each([
    ["front", "cardNotDetected", 3011],
    ["front", "qualityTooLow", 1050],
    ["front", "fakeDocument", 5005],
    ["front", "noFaceOnCard", 3014],
    ["back", "documentExpired", 3010],
    ["back", "idNumberMismatch", 3101],
  ] as const)("%s scenario %s rejects at that step with code %i", async (step, scenario, code) => {
    const result = await vlens.verifyIdentity(input, { scenarios: { [step]: scenario } });
    expect(result).toMatchObject({ status: "rejected", step, errorCode: code, reasons: expect.arrayContaining([expect.objectContaining({ kind: "error-code", code })]) });
  });

  it("an ID number that fails validation in an HTTP 200 answer without error code rejects the front", async () => {
    const result = await vlens.verifyIdentity(input, { scenarios: { front: "invalidIdNumber" } });
    expect(result).toMatchObject({ status: "rejected", step: "front", errorCode: null, reasons: [{ kind: "field-validation", field: "idNumber", code: 3001 }] });
  });

  it.each([
    ["back", "transactionNotFound"],
    ["liveness", "idStepsMissing"],
    ["liveness", "transactionNotFound"],
  ] as const)("%s scenario %s (5004) throws: it is not about the capture", async (step, scenario) => {
    const error = await failureOf(vlens.verifyIdentity(input, { scenarios: { [step]: scenario } }));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error).toMatchObject({ status: 200, errorCode: 5004, isRejection: false, entry: { name: "TransactionInvalid" } });
  });

  it("the step functions answer like the flow", async () => {
    const front = await vlens.scanIdFront({ image: FRONT });
    const back = await vlens.scanIdBack({ image: BACK, transactionId: front.transactionId });
    expect(back.idBack?.idNumber).toBe(front.idFront?.idNumber);
    expect((await vlens.checkLiveness({ faces: FACES, transactionId: back.transactionId })).status).toBe("verified");
    expect((await vlens.linkTransaction({ transactionId: TRANSACTION_ID })).status).toBe("verified");
    expect((await vlens.linkTransaction({ transactionId: TRANSACTION_ID }, { scenario: "linkedValidatedNotVerified" })).status).toBe("validated");
    expect(await failureOf(vlens.linkTransaction({ transactionId: TRANSACTION_ID }, { scenario: "transactionIncomplete" }))).toMatchObject({
      errorCode: 5004,
      fieldErrors: [{ field: "transactionId", source: "error_descriptions" }],
    });
  });
});

describe("HTTP error scenarios against the mock", () => {
  it("401 refreshes the token once, then fails with the catalogue entry", async () => {
    const refreshAccessToken = vi.fn(() => "fresh.header.token");
    const client = createVlensClient({ baseUrl: mock.url, apiKey: "k", accessToken: "old.header.token", refreshAccessToken });
    const error = await failureOf(client.scanIdFront({ image: FRONT }, { scenario: { code: 401, example: "tokenExpired" } }));
    expect(error).toMatchObject({ status: 401, errorCode: 401, entry: { retry: "refresh-token" }, fieldErrors: [{ field: "Authorization", message: "The access token has expired." }] });
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
  });

  it.each([
    [{ code: 400, example: "invalidBase64" }, 400, 400, false],
    [{ code: 403, example: "forbidden" }, 403, 403, false],
    [{ code: 413, example: "payloadTooLarge" }, 413, 5002, false],
    [{ code: 415, example: "unsupportedMediaType" }, 415, 415, false],
    [{ code: 422, example: "unprocessable" }, 422, 5001, true],
    [{ code: 500, example: "internalError" }, 500, 500, false],
  ] as const)("%j is a VlensApiError", async (scenario, status, errorCode, isRejection) => {
    const error = await failureOf(vlens.scanIdFront({ image: FRONT }, { scenario }));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error).toMatchObject({ operation: "verifyIdFront", status, errorCode, isRejection });
    expect(error.entry?.code).toBe(errorCode);
  });

  it("the mock's own refusal of an invalid body carries the field at fault", async () => {
    const error = await failureOf(vlens.call("verifyIdBack", { body: { image: FRONT, transaction_id: "NOT-A-UUID" } }));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error.status).toBeGreaterThanOrEqual(400);
    expect(error.fieldErrors.map((fieldError: { field: string }) => fieldError.field)).toContain("transaction_id");
  });
});

describe("the admin, token and registration operations against the mock", () => {
  it("adminLogin and refreshToken return the token pair", async () => {
    const login = await vlens.adminLogin({ userNameOrEmailAddress: "admin@acme.example", password: "correct-horse-42" });
    expect(login).toMatchObject({ expireInSeconds: 86400, refreshTokenExpireInSeconds: 604800, accessToken: expect.any(String) });
    const refreshed = await vlens.refreshToken({ refreshToken: login.refreshToken! });
    expect(refreshed.accessToken).toEqual(expect.any(String));
  });

  it("the image operations need the admin token and answer with the stored images", async () => {
    const images = await vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: "+201001234567" });
    expect(images.idFrontImage).toBe("user10482_id_front_20240601.jpg");
    // The documented success of GetStepImage carries error_code 0.
    const step = await vlens.getStepImage({ TransactionId: TRANSACTION_ID, FileName: images.idFrontImage! });
    expect(step.image).toEqual(expect.any(String));
    const missing = await failureOf(vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: "+201001234567" }, { scenario: "userNotFound" }));
    expect(missing).toMatchObject({ status: 200, errorCode: 400, fieldErrors: [{ field: "emailOrPhoneNumber" }] });
    expect(await failureOf(vlens.getStepImage({ TransactionId: TRANSACTION_ID, FileName: "x.jpg" }, { scenario: "fileNotFound" }))).toMatchObject({ errorCode: 400 });
  });

  it("user login and registration", async () => {
    const login = await vlens.userLogin({ phoneNumber: "+201001234567", password: "S3cure!pass", imei: "356938035643809" });
    expect(login.accessToken).toEqual(expect.any(String));
    const otp = await vlens.userLogin({ phoneNumber: "+201001234567", password: "S3cure!pass", imei: "356938035643809" }, { scenario: "otpRequired" });
    expect(otp.phoneNumberOtpRequestId).toEqual(expect.any(String));
    expect(await vlens.checkExistenceOfEmailOrPhone({ phoneNumber: "+201001234567" })).toEqual({ exists: false });
    expect(await vlens.checkExistenceOfEmailOrPhone({ email: "ahmed.hassan@example.com" }, { scenario: "alreadyRegistered" })).toEqual({ exists: true });
    const phone = await vlens.registerStepVerifyPhone({ phoneNumber: "+201001234567", smsProviders: 0 });
    const confirmed = await vlens.registerStepVerifyPhone(
      { phoneNumber: "+201001234567", phoneNumberOtpRequestId: phone.phoneNumberOtpRequestId!, phoneNumberOtp: "483920" },
      { scenario: "phoneConfirmed" },
    );
    expect(confirmed.isPhoneNumberConfirmed).toBe(true);
    const email = await vlens.registerStepVerifyEmail({ email: "ahmed.hassan@example.com" });
    expect(email.emailOtpRequestId).toEqual(expect.any(String));
    const registered = await vlens.register({ phoneNumber: "+201001234567", password: "S3cure!pass", phoneNumberOtpRequestId: phone.phoneNumberOtpRequestId!, phoneNumberOtp: "483920" });
    expect(registered.accessToken).toEqual(expect.any(String));
  });
});

describe("vlens.api against the mock", () => {
  it("answers every operation's default scenario, with envelope errors left in data", async () => {
    const front = await vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { image: FRONT }, headers: scenarioHeaders("verifyIdFront", "cardNotDetected") });
    expect(front.response.status).toBe(200);
    expect(front.data?.error_code).toBe(3011);
    const denied = await vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { image: FRONT }, headers: scenarioHeaders("verifyIdFront", { code: 401, example: "unauthorized" }) });
    expect(denied.response.status).toBe(401);
    expect(denied.error?.error_code).toBe(401);
  });

  it("every operation of the description is reachable and answers 200 by default", async () => {
    const reached: string[] = [];
    const bodies = {
      verifyIdFront: { image: FRONT },
      verifyIdBack: { image: BACK, transaction_id: TRANSACTION_ID },
      verifyLiveness: { face_1: FACES[0], face_2: FACES[1], face_3: FACES[2], transaction_id: TRANSACTION_ID },
      linkUserWithExistingTransaction: { transactionId: TRANSACTION_ID },
      adminLogin: { tenancyName: "acme", userNameOrEmailAddress: "admin@acme.example", password: "pw" },
      refreshToken: { refreshToken: "rt_1" },
      userLogin: { phoneNumber: "+201001234567", imei: "356938035643809" },
      checkExistenceOfEmailOrPhone: { email: "a@example.com" },
      registerStepVerifyPhone: { phoneNumber: "+201001234567" },
      registerStepVerifyEmail: { email: "a@example.com" },
      register: { phoneNumber: "+201001234567" },
    } as Record<string, unknown>;
    const queries = {
      getUserDigitalIdentityImages: { emailOrPhoneNumber: "+201001234567" },
      getStepImage: { TransactionId: TRANSACTION_ID, FileName: "f.jpg" },
    } as Record<string, unknown>;
    for (const operation of Object.keys(scenarios) as (keyof typeof scenarios)[]) {
      const answer = await vlens.call(operation, { body: bodies[operation], query: queries[operation] } as never);
      expect(answer.status, operation).toBe(200);
      reached.push(operation);
    }
    expect(reached).toHaveLength(13);
  });
});
