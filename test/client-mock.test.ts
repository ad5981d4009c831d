// Integration: the client against the real mock (Prism serving the description, over HTTP), for
// every operation and the scenarios that decide an outcome.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, assert, beforeAll, describe, expect, it, vi } from "vitest";
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
    expect(error).toMatchObject({
      status: 401,
      errorCode: 401,
      entry: { retry: "refresh-token" },
      fieldErrors: [{ field: "Authorization", message: "The access token has expired." }],
    });
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
    const registered = await vlens.register({
      phoneNumber: "+201001234567",
      password: "S3cure!pass",
      phoneNumberOtpRequestId: phone.phoneNumberOtpRequestId!,
      phoneNumberOtp: "483920",
    });
    expect(registered.accessToken).toEqual(expect.any(String));
  });
});

describe("vlens.api against the mock", () => {
  it("answers every operation's default scenario, with envelope errors left in data", async () => {
    const front = await vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { image: FRONT }, headers: scenarioHeaders("verifyIdFront", "cardNotDetected") });
    expect(front.response.status).toBe(200);
    expect(front.data?.error_code).toBe(3011);
    const denied = await vlens.api.POST("/api/DigitalIdentity/verify/id/front", {
      body: { image: FRONT },
      headers: scenarioHeaders("verifyIdFront", { code: 401, example: "unauthorized" }),
    });
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
      ocrIdFront: { image: FRONT },
      ocrIdBack: { image: BACK, transaction_id: TRANSACTION_ID },
      ocrLiveness: { face_1: FACES[0], face_2: FACES[1], face_3: FACES[2], transaction_id: TRANSACTION_ID },
      verifyPassportScan: { image: FRONT },
      verifyPassportNfc: { transaction_id: TRANSACTION_ID, dg1_base64: "QQ==", dg2_base64: "QQ==", sod_base64: "QQ==" },
      cancelVerifiedDigitalIdentity: {},
      cancelVerifiedDigitalIdentityForAdmin: { userId: 10482 },
      createAuthSession: { phoneNumber: "+201001234567", sessionPermissions: { DigitalIdentityOnly: true } },
      registerStepVerifyOAuthToken: { provider: "Google", IdToken: "id.token.jwt" },
      verifyOAuthToken: { provider: "Microsoft", IdToken: "id.token.jwt" },
    } as Record<string, unknown>;
    const queries = {
      getUserDigitalIdentityImages: { emailOrPhoneNumber: "+201001234567" },
      getStepImage: { TransactionId: TRANSACTION_ID, FileName: "f.jpg" },
      getTransactionById: { id: TRANSACTION_ID },
    } as Record<string, unknown>;
    for (const operation of Object.keys(scenarios) as (keyof typeof scenarios)[]) {
      const answer = await vlens.call(operation, { body: bodies[operation], query: queries[operation] } as never);
      expect(answer.status, operation).toBe(200);
      reached.push(operation);
    }
    expect(reached).toHaveLength(24);
  });
});

describe("capture before login against the mock, over HTTP", () => {
  /** Every exchange as it went over the wire: method, path, the headers that matter, the JSON body. */
  function recordedClient(apiKey: string, accessToken: () => string | undefined) {
    const wire: { path: string; apiKey: string | null; authorization: string | null; body: Record<string, unknown> }[] = [];
    const client = createVlensClient({
      baseUrl: mock.url,
      apiKey,
      accessToken,
      fetch: async (url, init) => {
        const request = new Request(url, init);
        const body = request.body ? ((await request.clone().json()) as Record<string, unknown>) : {};
        wire.push({ path: new URL(request.url).pathname, apiKey: request.headers.get("ApiKey"), authorization: request.headers.get("Authorization"), body });
        return fetch(request);
      },
    });
    return { client, wire };
  }

  it("three key-only captures on one ApiKey and one transaction id, then registration, and the link with the user token gives the verdict", async () => {
    const apiKey = `capture-${crypto.randomUUID()}`;
    let userToken: string | undefined;
    const { client, wire } = recordedClient(apiKey, () => userToken);

    // Before login: no token exists, and none is asked for.
    const capture = await client.captureBeforeLogin(input);
    expect(capture.status).toBe("captured");
    if (capture.status !== "captured") throw new Error("narrowing");
    const captures = wire.splice(0);
    expect(captures.map((exchange) => exchange.path)).toEqual(["/v1/ocr/id/front", "/v1/ocr/id/back", "/v1/ocr/liveness/multi"]);
    for (const exchange of captures) expect(exchange).toMatchObject({ apiKey, authorization: null });
    // The id the client generated goes on the first capture; the back, the liveness and the link
    // carry the one the first answer returned (the same one, for a service that keeps it).
    expect(captures[0]!.body.transaction_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(captures[1]!.body.transaction_id).toBe(capture.transactionId);
    expect(captures[2]!.body.transaction_id).toBe(capture.transactionId);
    expect(capture.person.idNumber).toMatch(/^\d{14}$/);

    // The user registers (phone OTP, then Register), which gives the first user token.
    const phoneNumber = `+2010${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
    const sent = await client.registerStepVerifyPhone({ phoneNumber, smsProviders: 0 });
    const phoneNumberOtpRequestId = sent.phoneNumberOtpRequestId!;
    await client.registerStepVerifyPhone({ phoneNumber, phoneNumberOtpRequestId, phoneNumberOtp: "123456" });
    const registered = await client.register({ phoneNumber, password: "S3cure!pass", phoneNumberOtpRequestId, phoneNumberOtp: "123456" });
    expect(registered.accessToken).toEqual(expect.any(String));
    userToken = registered.accessToken!;
    wire.splice(0);

    const verdict = await client.linkTransaction({ transactionId: capture.transactionId });
    expect(wire).toEqual([
      {
        path: "/api/DigitalIdentity/LinkUserWithExistingTransaction",
        apiKey,
        authorization: `Bearer ${userToken}`,
        body: { transactionId: capture.transactionId, getExtractedData: true },
      },
    ]);
    expect(verdict.status).toBe("verified");
    expect(verdict.reasons).toEqual([]);
  });

  it("a capture turned down by the service is a rejection at that step, and nothing is linked", async () => {
    const { client, wire } = recordedClient(`capture-${crypto.randomUUID()}`, () => undefined);
    const capture = await client.captureBeforeLogin(input, { scenarios: { liveness: "spoofDetected" } });
    expect(capture).toMatchObject({ status: "rejected", step: "liveness" });
    assert(capture.status === "rejected");
    expect(capture.reasons.map((reason) => reason.kind)).toEqual(["spoofing", "liveness", "face-mismatch"]);
    expect(wire.map((exchange) => exchange.path)).toEqual(["/v1/ocr/id/front", "/v1/ocr/id/back", "/v1/ocr/liveness/multi"]);
  });
});

describe("the capture-before-login guide's sample (docs/capture-before-login.md)", () => {
  it("runs as written against the mock, with no environment variable, and prints the verdict", async () => {
    const guide = readFileSync(new URL("../docs/capture-before-login.md", import.meta.url), "utf8");
    const sample = /```ts\n([\s\S]*?)```/.exec(guide)![1]!;
    // The package's names resolve to this repository's sources.
    const runnable = sample.replace('from "vlens-digital-identity";', 'from "../src/index.js";').replace('from "vlens-digital-identity/mock";', 'from "../mocks/index.js";');
    const directory = new URL("../test-output/", import.meta.url);
    mkdirSync(directory, { recursive: true });
    const file = new URL("guide-capture-before-login.ts", directory);
    writeFileSync(file, runnable);

    const printed: unknown[][] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...line: unknown[]) => void printed.push(line));
    vi.stubEnv("VLENS_API_KEY", undefined as unknown as string);
    try {
      await import(/* @vite-ignore */ file.href);
    } finally {
      log.mockRestore();
      vi.unstubAllEnvs();
    }
    expect(printed).toEqual([["verified"]]);
  }, 60_000);
});
