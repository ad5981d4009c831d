// The verification flow with an injected fetch: what is sent in which order, how the transaction
// id is chained, and how every answer the description allows maps to verified / validated / rejected.
import { assert, describe, expect, it } from "vitest";
import { VlensApiError } from "../src/index.js";
import { answers, API_KEY, BACK, clientWith, envelope, FACES, failureOf, FRONT, json, TRANSACTION_ID, USER_TOKEN } from "./client-helpers.js";

type Client = ReturnType<typeof clientWith>["vlens"];

const input = { idFront: FRONT, idBack: BACK, faces: FACES };

describe("verifyIdentity", () => {
  it("scans front, back, then liveness, chaining the transaction id of the first answer", async () => {
    const serverId = "c83669c9-e06e-4564-b355-a2cb2d55a570";
    const front = json(envelope({ idFrontData: { idNumber: "29001012101235", transaction_id: serverId } }, { services: {} }));
    const back = json(envelope({ idBackData: { idExpiry: "2028-06-14T00:00:00", transaction_id: serverId } }, { services: {} }));
    const { vlens, sent } = clientWith([front, back, answers.liveness()]);
    const result = await vlens.verifyIdentity(input);

    expect(sent.map((request) => `${request.method} ${request.path}`)).toEqual([
      "POST /api/DigitalIdentity/verify/id/front",
      "POST /api/DigitalIdentity/verify/id/back",
      "POST /api/DigitalIdentity/verify/liveness/multi",
    ]);
    const [frontBody, backBody, livenessBody] = sent.map((request) => request.body as Record<string, unknown>);
    // The first step carries a client-generated lowercase UUID, as the vendor's SDKs do ...
    expect(frontBody).toEqual({
      image: FRONT,
      transaction_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      getExtractedData: true,
    });
    // ... and the later steps the id the server answered with.
    expect(backBody).toEqual({ image: BACK, transaction_id: serverId, getExtractedData: true });
    expect(livenessBody).toEqual({ face_1: FACES[0], face_2: FACES[1], face_3: FACES[2], transaction_id: serverId, getExtractedData: true });

    expect(result.status).toBe("verified");
    expect(result.transactionId).toBe(serverId);
    expect(result.reasons).toEqual([]);
    expect(result.person.idNumber).toBe("29001012101235");
    expect(result.person.idFront?.transaction_id).toBe(serverId);
    expect(result.person.idBack?.idExpiry).toBe("2028-06-14T00:00:00");
  });

  it("keeps the id it sent when an answer returns none, and reads a top-level TransactionId", async () => {
    const bare = json(envelope({}, { services: {} }));
    const { vlens, sent } = clientWith([bare, json(envelope({}, { TransactionId: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" })), answers.liveness()]);
    const result = await vlens.verifyIdentity({ ...input, transactionId: TRANSACTION_ID });
    expect((sent[0]!.body as { transaction_id: string }).transaction_id).toBe(TRANSACTION_ID);
    expect((sent[1]!.body as { transaction_id: string }).transaction_id).toBe(TRANSACTION_ID);
    expect((sent[2]!.body as { transaction_id: string }).transaction_id).toBe("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    expect(result.status).toBe("verified");
  });

  it("accepts bytes, ArrayBuffers, Blobs and data: URLs and sends base64", async () => {
    const { vlens, sent } = clientWith([answers.front(), answers.back(), answers.liveness()]);
    const bytes = Buffer.from(FRONT, "base64");
    await vlens.verifyIdentity({
      idFront: new Uint8Array(bytes),
      idBack: `data:image/jpeg;base64,${BACK}`,
      faces: [new Uint8Array(Buffer.from(FACES[0], "base64")).buffer, new Blob([Buffer.from(FACES[1], "base64")]), `data:image/png;base64,${FACES[2]}`],
    });
    expect((sent[0]!.body as { image: string }).image).toBe(FRONT);
    expect((sent[1]!.body as { image: string }).image).toBe(BACK);
    expect(sent[2]!.body).toMatchObject({ face_1: FACES[0], face_2: FACES[1], face_3: FACES[2] });
  });

  it("is validated, not verified, when the national registry did not confirm the ID", async () => {
    const src = { isValid: false, errorCode: 2, errorKey: "ID_NOT_FOUND", errorMessage: "The national ID number was not found." };
    const { vlens } = clientWith([answers.front(), answers.back(), answers.liveness({ isDigitalIdentityVerified: false }, { SRC: src })]);
    const result = await vlens.verifyIdentity(input);
    expect(result.status).toBe("validated");
    expect(result.reasons).toEqual([{ kind: "src-invalid", errorCode: 2, errorKey: "ID_NOT_FOUND", errorMessage: "The national ID number was not found." }]);
  });

  it("is validated when the authority checks did not pass without saying why", async () => {
    const { vlens } = clientWith([answers.front(), answers.back(), answers.liveness({ isDigitalIdentityVerified: null })]);
    const result = await vlens.verifyIdentity(input);
    expect(result).toMatchObject({ status: "validated", reasons: [{ kind: "not-verified" }] });
  });

  it.each([
    ["liveness false", { isVerificationProcessCompleted: false, isDigitalIdentityVerified: false, isMatched: false }, { liveness: false }, ["liveness", "face-mismatch"]],
    ["a spoof", { isVerificationProcessCompleted: false, isDigitalIdentityVerified: false }, { liveness: false, spoofing: { fake: true } }, ["spoofing", "liveness"]],
    ["an AML match, although the process completed", { isDigitalIdentityVerified: false }, { AML: { AML_matched: true, data: [{ caseNo: "1452" }] } }, ["aml-match"]],
    ["a process that did not complete", { isVerificationProcessCompleted: false, isDigitalIdentityVerified: false }, {}, ["not-completed"]],
    ["flags that say verified while liveness failed", {}, { liveness: false }, ["liveness"]],
  ])("is rejected on %s", async (_case, data, services, kinds) => {
    const { vlens } = clientWith([answers.front(), answers.back(), answers.liveness(data, services)]);
    const result = await vlens.verifyIdentity(input);
    expect(result.status).toBe("rejected");
    expect(result.reasons.map((reason) => reason.kind)).toEqual(kinds);
    if (result.status === "rejected") {
      expect(result.step).toBe("liveness");
      expect(result.errorCode).toBeNull();
    }
  });

  it("is rejected with the AML records when the person is on a watch list", async () => {
    const records = [{ caseNo: "1452", caseYear: 2019, fullName: "Ahmed Mohamed Ali Hassan", score: "0.97" }];
    const { vlens } = clientWith([answers.front(), answers.back(), answers.liveness({ isDigitalIdentityVerified: false }, { AML: { AML_matched: true, data: records } })]);
    expect((await vlens.verifyIdentity(input)).reasons).toEqual([{ kind: "aml-match", records }]);
  });

  it("stops at the front when an HTTP 200 answer carries an error code, and never sends the back", async () => {
    const cardNotDetected = json(envelope(null, { services: null, error_code: 3011, error_message: "Card Not Detected" }));
    const { vlens, sent } = clientWith([cardNotDetected]);
    const result = await vlens.verifyIdentity(input);
    expect(sent).toHaveLength(1);
    expect(result.status).toBe("rejected");
    if (result.status !== "rejected") throw new Error("narrowing");
    expect(result.step).toBe("front");
    expect(result.errorCode).toBe(3011);
    expect(result.reasons).toEqual([
      { kind: "error-code", code: 3011, message: "Card Not Detected", entry: expect.objectContaining({ code: 3011, name: "CardNotDetected", retry: "recapture" }) },
    ]);
    expect(result.error).toBeInstanceOf(VlensApiError);
    expect(result.error?.status).toBe(200);
  });

  it("counts field validations as a failed capture, in either spelling, even with error_code null", async () => {
    for (const key of ["Validations", "validations"]) {
      const invalid = { [key]: { validation_errors: [{ field: "idNumber", value: "29001012101239", errors: [{ code: 3001, message: "Invalid ID Number" }] }] } };
      const { vlens, sent } = clientWith([answers.front({ services: invalid })]);
      const result = await vlens.verifyIdentity(input);
      expect(sent).toHaveLength(1);
      expect(result).toMatchObject({
        status: "rejected",
        step: "front",
        errorCode: null,
        reasons: [{ kind: "field-validation", field: "idNumber", code: 3001, message: "Invalid ID Number", value: "29001012101239" }],
      });
    }
  });

  it("is rejected at the back on a mismatch between the sides (3101)", async () => {
    const mismatch = json(envelope(null, { error_code: 3101, error_message: "ID number in ID front and back documents are not matched." }));
    const { vlens } = clientWith([answers.front(), mismatch]);
    const result = await vlens.verifyIdentity(input);
    expect(result).toMatchObject({ status: "rejected", step: "back", errorCode: 3101, transactionId: TRANSACTION_ID });
    expect(result.person.idFront?.idNumber).toBe("29001012101235");
  });

  it("is rejected on a liveness error code (4207 no face) with the faces' reason", async () => {
    const noFace = json(envelope(null, { services: null, error_code: 4207, error_message: "No Face detected" }));
    const { vlens } = clientWith([answers.front(), answers.back(), noFace]);
    const result = await vlens.verifyIdentity(input);
    expect(result).toMatchObject({ status: "rejected", step: "liveness", errorCode: 4207, reasons: [{ kind: "error-code", code: 4207 }] });
  });

  it("throws, rather than rejecting, when the failure is not about the capture (5004 unknown transaction, 401, 500)", async () => {
    const cases = [
      json(envelope(null, { error_code: 5004, error_message: "Check the Transaction ID/token sent in the request." })),
      json({ data: null, error_code: 401, error_message: "Make sure you are using the correct credentials and try again." }, 401),
      json({ data: null, error_code: 500, error_message: "Well-formed request received, but an unexpected error has occurred." }, 500),
    ];
    for (const answer of cases) {
      const { vlens } = clientWith([answers.front(), answer]);
      const error = await failureOf(vlens.verifyIdentity(input));
      expect(error).toBeInstanceOf(VlensApiError);
      expect(error.isRejection).toBe(false);
      expect(error.operation).toBe("verifyIdBack");
    }
  });
});

describe("the step-by-step functions", () => {
  it("scanIdFront resolves with the transaction id and the OCR fields", async () => {
    const { vlens, sent } = clientWith([answers.front()]);
    const scan = await vlens.scanIdFront({ image: FRONT, transactionId: TRANSACTION_ID, getExtractedData: false });
    expect(sent[0]!.body).toEqual({ image: FRONT, transaction_id: TRANSACTION_ID, getExtractedData: false });
    expect(scan).toMatchObject({ side: "front", transactionId: TRANSACTION_ID, idFront: { idNumber: "29001012101235" }, idBack: null });
    expect(scan.requestId).toBe(sent[0]!.headers["x-request-id"]);
  });

  it("scanIdFront throws on a fake document even without an error code", async () => {
    const { vlens } = clientWith([answers.front({ services: { spoofing: { fake: true } } })]);
    const error = await failureOf(vlens.scanIdFront({ image: FRONT }));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error).toMatchObject({ status: 200, errorCode: null, isRejection: true, reasons: [{ kind: "spoofing" }] });
  });

  it("scanIdBack requires the front's transaction id", async () => {
    const { vlens, sent } = clientWith([answers.back()]);
    const error = await failureOf(vlens.scanIdBack({ image: BACK } as never));
    expect(error).toMatchObject({ name: "VlensInputError", code: "missing-option", field: "transactionId" });
    expect(sent).toHaveLength(0);
  });

  it("checkLiveness resolves with the verdict", async () => {
    const { vlens, sent } = clientWith([answers.liveness()]);
    const result = await vlens.checkLiveness({ faces: FACES, transactionId: TRANSACTION_ID });
    expect(sent[0]!.path).toBe("/api/DigitalIdentity/verify/liveness/multi");
    expect(result.status).toBe("verified");
  });

  it("linkTransaction sends camelCase transactionId and resolves with the verdict", async () => {
    const { vlens, sent } = clientWith([answers.liveness({ isDigitalIdentityVerified: false }, { SRC: { isValid: false } })]);
    const result = await vlens.linkTransaction({ transactionId: TRANSACTION_ID });
    expect(sent[0]!.body).toEqual({ transactionId: TRANSACTION_ID, getExtractedData: true });
    expect(result).toMatchObject({ status: "validated", transactionId: TRANSACTION_ID });
  });

  it("linkTransaction is rejected on 5004-like capture failures only when the code is about the capture", async () => {
    const { vlens } = clientWith([json(envelope(null, { error_code: 5004, error_message: "Check the Transaction ID/token sent in the request." }))]);
    const error = await failureOf(vlens.linkTransaction({ transactionId: TRANSACTION_ID }));
    expect(error).toMatchObject({ name: "VlensApiError", errorCode: 5004, entry: { name: "TransactionInvalid", retry: "fix-request", retryable: false } });
  });
});

describe("the admin and token operations", () => {
  it("adminLogin sends the tenant as header and body and returns the token pair", async () => {
    const token = { accessToken: "a.b.c", expireInSeconds: 86400, refreshToken: "rt_1", refreshTokenExpireInSeconds: 604800 };
    const { vlens, sent } = clientWith([json({ data: token })], { tenancyName: "acme" });
    expect(await vlens.adminLogin({ userNameOrEmailAddress: "admin@acme.example", password: "pw" })).toEqual(token);
    expect(sent[0]).toMatchObject({ method: "POST", path: "/api/credentials/Login", body: { tenancyName: "acme", userNameOrEmailAddress: "admin@acme.example", password: "pw" } });
    expect(sent[0]!.headers.tenancyname).toBe("acme");
    expect(sent[0]!.headers.authorization).toBeUndefined();
  });

  it("adminLogin without a tenant name fails before sending", async () => {
    const { vlens, sent } = clientWith([json({ data: {} })]);
    expect(await failureOf(vlens.adminLogin({ userNameOrEmailAddress: "a", password: "b" }))).toMatchObject({ code: "missing-option", field: "tenancyName" });
    expect(sent).toHaveLength(0);
  });

  it("the image operations send their query and the admin token", async () => {
    const images = { idFrontImage: "f.jpg", idBackImage: null };
    const { vlens, sent } = clientWith([json(envelope(images)), json({ data: { image: FRONT }, error_code: 0 })], {
      accessToken: ({ token }) => (token === "admin" ? "admin-token" : "user-token"),
    });
    expect(await vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: "+201001234567" })).toEqual(images);
    expect(sent[0]!.query.get("emailOrPhoneNumber")).toBe("+201001234567");
    expect(sent[0]!.headers.authorization).toBe("Bearer admin-token");
    // error_code 0 is success, as GetStepImage documents it.
    expect(await vlens.getStepImage({ TransactionId: TRANSACTION_ID, FileName: "f.jpg" })).toEqual({ image: FRONT });
    expect(sent[1]!.method).toBe("GET");
    expect(Object.fromEntries(sent[1]!.query)).toEqual({ TransactionId: TRANSACTION_ID, FileName: "f.jpg" });
  });

  it("refreshToken, userLogin and the registration steps send no bearer token", async () => {
    const { vlens, sent } = clientWith([json(envelope({ accessToken: "x" }))]);
    await vlens.refreshToken({ refreshToken: "rt_1" });
    await vlens.userLogin({ phoneNumber: "+201001234567", imei: "356938035643809", password: "p" });
    await vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" });
    await vlens.registerStepVerifyPhone({ phoneNumber: "+201001234567" });
    await vlens.registerStepVerifyEmail({ email: "a@example.com" });
    await vlens.register({ phoneNumber: "+201001234567" });
    expect(sent.map((request) => request.path)).toEqual([
      "/api/credentials/RefreshToken",
      "/api/DigitalIdentity/Login",
      "/api/DigitalIdentity/CheckExistenceOfEmailOrPhone",
      "/api/DigitalIdentity/Register/StepVerifyPhone",
      "/api/DigitalIdentity/Register/StepVerifyEmail",
      "/api/DigitalIdentity/Register",
    ]);
    for (const request of sent) expect(request.headers.authorization).toBeUndefined();
  });

  it("a success whose data is null is not taken for a result", async () => {
    const { vlens } = clientWith([json(envelope(null))]);
    expect(await failureOf(vlens.refreshToken({ refreshToken: "rt" }))).toMatchObject({ name: "VlensApiError", status: 200, errorCode: null });
  });
});

describe('what success is: error_code absent, null or 0 and error_message absent, null or ""', () => {
  it.each([
    ["error_code 0 with an empty message", { error_code: 0, error_message: "" }],
    ["error_code 0 with a null message", { error_code: 0, error_message: null }],
    ["error_code null and no message", { error_code: null, error_message: null }],
    ["neither member (as the documented admin login answer)", {}],
  ])("%s is a success", async (_case, members) => {
    const { vlens } = clientWith([json({ data: { accessToken: "a.b.c" }, ...members })]);
    expect(await vlens.refreshToken({ refreshToken: "rt" })).toEqual({ accessToken: "a.b.c" });
  });

  it.each([
    ["error_code 0 with a message", { error_code: 0, error_message: "Token could not be renewed." }],
    ["error_code null with a message", { error_code: null, error_message: "Token could not be renewed." }],
    ['error_code "0" with a message', { error_code: "0", error_message: "Token could not be renewed." }],
  ])("%s is not reported as success, even with data and HTTP 200", async (_case, members) => {
    const { vlens } = clientWith([json({ data: { accessToken: "a.b.c" }, ...members })]);
    const error = await failureOf(vlens.refreshToken({ refreshToken: "rt" }));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error).toMatchObject({ status: 200, errorMessage: "Token could not be renewed." });
  });

  // One rule for the client, the description, the mock's examples and the Arazzo criteria: only an
  // absent, null or empty ("") message and an absent, null or 0 code mean success.
  it.each([
    ["a message of spaces", { error_code: 0, error_message: "   " }],
    ["an empty string as the error code", { error_code: "", error_message: null }],
    ['the string "0" as the error code', { error_code: "0", error_message: null }],
    ["false as the error code", { error_code: false }],
  ])("%s is not a success", async (_case, members) => {
    const { vlens } = clientWith([json({ data: { accessToken: "a.b.c" }, ...members })]);
    expect(await failureOf(vlens.refreshToken({ refreshToken: "rt" }))).toMatchObject({ name: "VlensApiError", status: 200 });
  });

  it("a link answer with error_code 0 and a message of spaces is not a verdict", async () => {
    const verdict = { isVerificationProcessCompleted: true, isDigitalIdentityVerified: true };
    const { vlens } = clientWith([json(envelope(verdict, { services: { liveness: true }, error_code: 0, error_message: "   " }))]);
    const error = await failureOf(vlens.linkTransaction({ transactionId: TRANSACTION_ID }));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error).toMatchObject({ operation: "linkUserWithExistingTransaction", status: 200, errorCode: null });
  });

  it("a capture step with error_code 0 and a message fails, and the flow stops there", async () => {
    const { vlens, sent } = clientWith([answers.front({ error_code: 0, error_message: "Card Not Detected" })]);
    const error = await failureOf(vlens.verifyIdentity(input));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error).toMatchObject({ operation: "verifyIdFront", errorMessage: "Card Not Detected" });
    expect(sent).toHaveLength(1);
  });
});

/** The answers of the key-only captures, in the /v1 shape: fields under data, transaction_id inside. */
const ocr = {
  front: (id = TRANSACTION_ID, extra: Record<string, unknown> = {}) =>
    json(
      envelope(
        { idNumber: "29001012101235", name_english: "Ahmed", transaction_id: id },
        { services: { validations: { validation_errors: [] }, spoofing: { fake: false } }, ...extra },
      ),
    ),
  back: (id = TRANSACTION_ID, extra: Record<string, unknown> = {}) =>
    json(envelope({ idNumber: "29001012101235", idExpiry: "2028-06-14T00:00:00", transaction_id: id }, { Services: { Validations: { validation_errors: [] } }, ...extra })),
  liveness: (id = TRANSACTION_ID, data: Record<string, unknown> = {}, services: Record<string, unknown> = {}) =>
    json(
      envelope(
        { isVerificationProcessCompleted: true, isDigitalIdentityVerified: true, isMatched: true, transaction_id: id, ...data },
        { services: { liveness: true, spoofing: { fake: false }, ...services } },
      ),
    ),
};

describe("captureBeforeLogin: the key-only captures, then linkTransaction for the verdict", () => {
  it("runs front, back and liveness on /v1/ocr with the API key alone, chaining the transaction id, and never sends a token", async () => {
    const serverId = "C83669C9-E06E-4564-B355-A2CB2D55A570";
    const { vlens, sent } = clientWith([ocr.front(serverId), ocr.back(serverId), ocr.liveness(serverId)], { tenancyName: "acme" });
    const capture = await vlens.captureBeforeLogin(input);

    expect(sent.map((request) => `${request.method} ${request.path}`)).toEqual(["POST /v1/ocr/id/front", "POST /v1/ocr/id/back", "POST /v1/ocr/liveness/multi"]);
    for (const request of sent) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers.apikey).toBe(API_KEY);
      expect(request.headers.tenancyname).toBe("acme");
      expect(request.headers.bundlekey).toBeUndefined();
    }
    const [frontBody, backBody, livenessBody] = sent.map((request) => request.body as Record<string, unknown>);
    expect(frontBody).toEqual({
      image: FRONT,
      transaction_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      getExtractedData: true,
    });
    // The id the answer returned, sent as given (upper case included).
    expect(backBody).toEqual({ image: BACK, transaction_id: serverId, getExtractedData: true });
    expect(livenessBody).toEqual({ face_1: FACES[0], face_2: FACES[1], face_3: FACES[2], transaction_id: serverId, getExtractedData: true });
    expect(capture).toMatchObject({ status: "captured", transactionId: serverId, person: { idNumber: "29001012101235", user: null } });
    expect(capture.person.idBack?.idExpiry).toBe("2028-06-14T00:00:00");
  });

  it("needs no accessToken at all: nothing asks for one until the link", async () => {
    let userToken: string | undefined;
    const asked: string[] = [];
    const { vlens, sent } = clientWith([ocr.front(), ocr.back(), ocr.liveness(), answers.liveness()], {
      accessToken: ({ operation }) => {
        asked.push(String(operation));
        return userToken;
      },
    });
    const capture = await vlens.captureBeforeLogin(input);
    expect(asked).toEqual([]);
    if (capture.status !== "captured") throw new Error("expected a capture");
    userToken = USER_TOKEN;
    const verdict = await vlens.linkTransaction({ transactionId: capture.transactionId });
    expect(asked).toEqual(["linkUserWithExistingTransaction"]);
    expect(sent[3]).toMatchObject({ path: "/api/DigitalIdentity/LinkUserWithExistingTransaction", body: { transactionId: TRANSACTION_ID, getExtractedData: true } });
    expect(sent[3]!.headers.authorization).toBe(`Bearer ${USER_TOKEN}`);
    expect(verdict.status).toBe("verified");
  });

  it("linking without a token is a missing-token error: the client never switches endpoints silently", async () => {
    const { vlens, sent } = clientWith([answers.liveness()], { accessToken: undefined });
    expect(await failureOf(vlens.linkTransaction({ transactionId: TRANSACTION_ID }))).toMatchObject({ name: "VlensInputError", code: "missing-token" });
    expect(sent).toHaveLength(0);
  });

  it("sends the bundleKey option as BundleKey on the key-only captures only", async () => {
    const { vlens, sent } = clientWith([ocr.front(), ocr.back(), ocr.liveness(), answers.liveness()], { bundleKey: "bundle-7c1e4a" });
    await vlens.captureBeforeLogin(input);
    await vlens.linkTransaction({ transactionId: TRANSACTION_ID });
    expect(sent.map((request) => request.headers.bundlekey)).toEqual(["bundle-7c1e4a", "bundle-7c1e4a", "bundle-7c1e4a", undefined]);
  });

  it.each([
    ["front", [json(envelope(null, { services: null, error_code: 3011, error_message: "Card Not Detected" }))], ["error-code"], 3011],
    ["front", [ocr.front(TRANSACTION_ID, { services: { spoofing: { fake: true } } })], ["spoofing"], null],
    [
      "back",
      [
        ocr.front(),
        ocr.back(TRANSACTION_ID, {
          Services: { Validations: { validation_errors: [{ field: "idExpiry", value: "2019-01-01", errors: [{ code: 3010, message: "Document Expired" }] }] } },
        }),
      ],
      ["field-validation"],
      null,
    ],
    [
      "liveness",
      [ocr.front(), ocr.back(), ocr.liveness(TRANSACTION_ID, { isVerificationProcessCompleted: false, isMatched: false }, { liveness: false })],
      ["liveness", "face-mismatch"],
      null,
    ],
    ["liveness", [ocr.front(), ocr.back(), ocr.liveness(TRANSACTION_ID, { isVerificationProcessCompleted: false })], ["not-completed"], null],
    [
      "liveness",
      [
        ocr.front(),
        ocr.back(),
        json(envelope(null, { services: { liveness: false }, error_code: 4209, error_message: "Please recapture your face and ensure the capture is clear." })),
      ],
      ["error-code", "liveness"],
      4209,
    ],
  ] as const)("is rejected at the %s when that capture is turned down, and stops there", async (step, answerList, kinds, errorCode) => {
    const { vlens, sent } = clientWith([...answerList]);
    const capture = await vlens.captureBeforeLogin(input);
    expect(sent).toHaveLength(answerList.length);
    // A rejected front keeps the id the client sent; later steps, the id the front's answer returned.
    const transactionId = step === "front" ? (sent[0]!.body as { transaction_id: string }).transaction_id : TRANSACTION_ID;
    expect(capture).toMatchObject({ status: "rejected", step, errorCode, transactionId });
    assert(capture.status === "rejected");
    expect(capture.reasons.map((reason) => reason.kind)).toEqual(kinds);
  });

  it("throws, rather than rejecting, on a failure that is not about the capture (5004, 401, 4002 bundle)", async () => {
    for (const answer of [
      json(envelope(null, { error_code: 5004, error_message: "Check the Transaction ID/token sent in the request." })),
      json({ data: null, error_code: 401, error_message: "Make sure you are using the correct credentials and try again." }, 401),
      json(envelope(null, { error_code: 4002, error_message: "Please recharge your bundle and try again." })),
    ]) {
      const { vlens } = clientWith([ocr.front(), answer]);
      const error = await failureOf(vlens.captureBeforeLogin(input));
      expect(error).toBeInstanceOf(VlensApiError);
      expect(error).toMatchObject({ operation: "ocrIdBack", isRejection: false });
    }
  });

  it("the step methods return each answer's data and transaction id, and throw on a turned-down capture", async () => {
    const { vlens, sent } = clientWith([
      ocr.front("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"),
      ocr.back(),
      ocr.liveness(),
      ocr.liveness(TRANSACTION_ID, {}, { spoofing: { fake: true } }),
    ]);
    const front = await vlens.ocrIdFront({ image: FRONT });
    expect(front).toMatchObject({ step: "front", transactionId: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", data: { idNumber: "29001012101235" } });
    expect(front.services?.spoofing?.fake).toBe(false);
    const back = await vlens.ocrIdBack({ image: BACK, transactionId: front.transactionId, getExtractedData: false });
    expect(sent[1]!.body).toEqual({ image: BACK, transaction_id: "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", getExtractedData: false });
    // The older OCR reference spells services "Services".
    expect(back).toMatchObject({ step: "back", transactionId: TRANSACTION_ID, services: { Validations: { validation_errors: [] } } });
    const liveness = await vlens.ocrLiveness({ faces: FACES, transactionId: back.transactionId });
    expect(liveness).toMatchObject({ step: "liveness", data: { isVerificationProcessCompleted: true } });
    expect(await failureOf(vlens.ocrLiveness({ faces: FACES, transactionId: TRANSACTION_ID }))).toMatchObject({
      name: "VlensApiError",
      isRejection: true,
      reasons: [{ kind: "spoofing" }],
    });
  });
});

describe("the other operations", () => {
  it.each([
    ["a string", "ok", "a string"],
    ["a list", [{ accessToken: "a.b.c" }], "a list"],
    ["a number", 0, "a number"],
    ["a boolean", true, "a boolean"],
  ])("a named method whose result is an object refuses data that is %s (no error code, HTTP 200), as the capture steps do", async (_case, data, kind) => {
    const runs: [string, (vlens: Client) => Promise<unknown>][] = [
      ["userLogin", (vlens) => vlens.userLogin({ phoneNumber: "+201000000000", password: "pass-word-1", imei: "1" })],
      ["adminLogin", (vlens) => vlens.adminLogin({ userNameOrEmailAddress: "admin", password: "pass-word-1" })],
      ["refreshToken", (vlens) => vlens.refreshToken({ refreshToken: "refresh-1" })],
      ["checkExistenceOfEmailOrPhone", (vlens) => vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" })],
      ["getTransactionById", (vlens) => vlens.getTransactionById({ id: TRANSACTION_ID })],
    ];
    for (const [name, run] of runs) {
      const { vlens } = clientWith([json(envelope(data))], { tenancyName: "acme" });
      const error = await failureOf(run(vlens));
      expect(error, name).toBeInstanceOf(VlensApiError);
      expect(error, name).toMatchObject({ status: 200, errorCode: null, isRejection: false });
      expect(error.message, name).toContain(`the answer's data is not an object (${kind})`);
    }
  });

  it("createAuthSession, whose data is the session token as a string, resolves with it", async () => {
    const { vlens } = clientWith([json(envelope("encrypted-session-token"))]);
    expect(await vlens.createAuthSession({ phoneNumber: "+201001234567", sessionPermissions: { DigitalIdentityOnly: true } })).toBe("encrypted-session-token");
  });

  it("each is a method named after its operationId, with the token its security asks for", async () => {
    const { vlens, sent } = clientWith([json(envelope({ oAuthTokenVerificationRequestId: "oauth-1", isVerified: true }))], {
      tenancyName: "acme",
      accessToken: ({ token }) => `${token}-token`,
    });
    await vlens.registerStepVerifyOAuthToken({ provider: "Google", IdToken: "id.token.jwt" });
    await vlens.verifyOAuthToken({ provider: "Microsoft", IdToken: "id.token.jwt" });
    await vlens.createAuthSession({ phoneNumber: "+201001234567", sessionPermissions: { DigitalIdentityOnly: true } });
    await vlens.verifyPassportScan({ image: FRONT, transaction_id: TRANSACTION_ID, getExtractedData: true });
    await vlens.verifyPassportNfc({ transaction_id: TRANSACTION_ID, dg1_base64: "QQ==", dg2_base64: "QQ==", sod_base64: "QQ==" });
    await vlens.getTransactionById({ id: "81F404B3-D7DC-4F08-B4FE-934853C86282" });
    expect(sent.map((request) => [request.method, request.path, request.headers.authorization ?? null])).toEqual([
      ["POST", "/api/DigitalIdentity/Register/StepVerifyOAuthToken", null],
      ["POST", "/api/DigitalIdentity/VerifyOAuthToken", null],
      ["POST", "/api/IdentityUserSession/CreateAuthSession", null],
      ["POST", "/api/DigitalIdentity/verify/passport/scan", "Bearer user-token"],
      ["POST", "/api/DigitalIdentity/verify/passport/nfc", "Bearer user-token"],
      ["GET", "/api/Transactions/GetTransactionById", "Bearer admin-token"],
    ]);
    expect(sent[0]!.body).toEqual({ provider: "Google", IdToken: "id.token.jwt" });
    // The id as given, upper case included; TenancyName, which this operation requires, from the client's option.
    expect(sent[5]!.query.get("id")).toBe("81F404B3-D7DC-4F08-B4FE-934853C86282");
    expect(sent[5]!.headers.tenancyname).toBe("acme");
  });

  it("the cancel operations send their body and resolve with data as it is, null included", async () => {
    const { vlens, sent } = clientWith([json(envelope(true)), json(envelope(null))], { tenancyName: "acme", accessToken: ({ token }) => `${token}-token` });
    expect(await vlens.cancelVerifiedDigitalIdentity()).toBe(true);
    expect(await vlens.cancelVerifiedDigitalIdentityForAdmin({ userId: 10482 })).toBeNull();
    expect(sent.map((request) => [request.path, request.body, request.headers.authorization, request.headers.tenancyname])).toEqual([
      ["/api/DigitalIdentity/CancelVerifiedDigitalIdentity", {}, "Bearer user-token", "acme"],
      ["/api/DigitalIdentity/CancelVerifiedDigitalIdentityForAdmin", { userId: 10482 }, "Bearer admin-token", "acme"],
    ]);
  });

  it("an operation whose reference requires TenancyName fails before sending when the client has no tenancyName", async () => {
    const { vlens, sent } = clientWith([json(envelope({}))], { accessToken: "t" });
    for (const run of [
      () => vlens.getTransactionById({ id: TRANSACTION_ID }),
      () => vlens.cancelVerifiedDigitalIdentity(),
      () => vlens.cancelVerifiedDigitalIdentityForAdmin({ userId: 1 }),
    ]) {
      const error = await failureOf(run());
      expect(error).toMatchObject({ name: "VlensInputError", code: "missing-option", field: "tenancyName" });
      expect(error.message).toMatch(/needs the TenancyName header: pass tenancyName to createVlensClient/);
    }
    expect(sent).toHaveLength(0);
  });

  it("a failed cancel is an error, not a resolved value", async () => {
    const { vlens } = clientWith([json(envelope(null, { error_code: 400, error_message: "Bad Request - Input parameters are invalid." }))], {
      tenancyName: "acme",
      accessToken: "t",
    });
    expect(await failureOf(vlens.cancelVerifiedDigitalIdentityForAdmin({ userId: 1 }))).toMatchObject({ name: "VlensApiError", errorCode: 400 });
  });
});

describe("answers that are not the envelope, or a success with no result, are never taken for one", () => {
  const proxyEnvelope = { Data: null, ErrorCode: 3011, ErrorMessage: "Card Not Detected" };

  it("a key-only front answered with no data member (the proxy's PascalCase envelope) is an error naming the members, not their values", async () => {
    const { vlens, sent } = clientWith([json(proxyEnvelope), ocr.back(), ocr.liveness()]);
    const error = await failureOf(vlens.captureBeforeLogin(input));
    expect(error).toMatchObject({ name: "VlensTransportError", kind: "non-json", operation: "ocrIdFront", status: 200 });
    expect(error.message).toContain('no "data" member; it has Data, ErrorCode, ErrorMessage');
    expect(error.message).not.toContain("Card Not Detected");
    expect(error.message).not.toContain("3011");
    expect(sent).toHaveLength(1);
  });

  const everyPath: [string, (vlens: Client) => Promise<unknown>][] = [
    ["verifyIdentity", (vlens) => vlens.verifyIdentity(input)],
    ["scanIdFront", (vlens) => vlens.scanIdFront({ image: FRONT })],
    ["ocrIdFront", (vlens) => vlens.ocrIdFront({ image: FRONT })],
    ["checkLiveness", (vlens) => vlens.checkLiveness({ faces: FACES, transactionId: TRANSACTION_ID })],
    ["linkTransaction", (vlens) => vlens.linkTransaction({ transactionId: TRANSACTION_ID })],
    ["captureBeforeLogin", (vlens) => vlens.captureBeforeLogin(input)],
    ["ocrLiveness", (vlens) => vlens.ocrLiveness({ faces: FACES, transactionId: TRANSACTION_ID })],
    ["userLogin", (vlens) => vlens.userLogin({ phoneNumber: "+201000000000", password: "pass-word-1", imei: "1" })],
    ["call", (vlens) => vlens.call("checkExistenceOfEmailOrPhone", { body: { email: "a@example.com" } })],
  ];
  /** The paths of `everyPath` named, in that order. */
  const pathsNamed = (...names: string[]) => names.map((name) => everyPath.find(([path]) => path === name)!);

  it.each(pathsNamed("verifyIdentity", "scanIdFront", "checkLiveness", "linkTransaction", "captureBeforeLogin", "ocrLiveness", "call"))(
    "%s: a body with no data member is an unexpected shape, never a result",
    async (_name, run) => {
      const { vlens } = clientWith([json(proxyEnvelope)]);
      const error = await failureOf(run(vlens));
      expect(error).toMatchObject({ name: "VlensTransportError", kind: "non-json", status: 200 });
      expect(error.message).toMatch(/it has Data, ErrorCode, ErrorMessage/);
    },
  );

  it.each([
    ["Error_Code", { Error_Code: 5000, Error_Message: "Internal error" }],
    ["ERROR-CODE", { "ERROR-CODE": 5000 }],
    ["errorMessage", { error_code: null, errorMessage: "Internal error" }],
    ["ErrorCode beside a null error_code", { error_code: null, error_message: null, ErrorCode: 3011 }],
  ])("a body with data whose error member is spelled %s is an unexpected shape on every path, naming the member, not its value", async (name, members) => {
    const data = {
      accessToken: "a.b.c",
      isVerificationProcessCompleted: true,
      isDigitalIdentityVerified: true,
      idFrontData: { transaction_id: TRANSACTION_ID },
      transaction_id: TRANSACTION_ID,
    };
    for (const [path, run] of everyPath) {
      const { vlens } = clientWith([json({ data, ...members }, 200)], { tenancyName: "acme" });
      const error = await failureOf(run(vlens));
      expect(error, path).toMatchObject({ name: "VlensTransportError", kind: "non-json", status: 200 });
      expect(error.message, path).toContain(`an error member spelled "${name.split(" ")[0]}"`);
      expect(error.message, path).not.toMatch(/5000|3011|Internal error/);
    }
  });

  it.each(pathsNamed("verifyIdentity", "scanIdFront", "checkLiveness", "linkTransaction", "captureBeforeLogin", "ocrIdFront", "ocrLiveness"))(
    "%s: a step answering { data: null } with no error code throws (the server's fault), it never resolves rejected",
    async (_name, run) => {
      const { vlens } = clientWith([json({ data: null })]);
      const error = await failureOf(run(vlens));
      expect(error).toBeInstanceOf(VlensApiError);
      expect(error).toMatchObject({ status: 200, errorCode: null, isRejection: false });
      expect(error.message).toContain("neither an error code nor data");
    },
  );

  it("a key-only ID step whose data has no transaction_id is an error naming data's members, not their values", async () => {
    for (const [run, answer] of [
      [(vlens: Client) => vlens.ocrIdFront({ image: FRONT }), json(envelope({ idNumber: "29001012101235", name_english: "Ahmed" }, { services: {} }))],
      [(vlens: Client) => vlens.ocrIdBack({ image: BACK, transactionId: TRANSACTION_ID }), json(envelope({ idNumber: "29001012101235", transaction_id: "" }, { services: {} }))],
    ] as const) {
      const { vlens } = clientWith([answer]);
      const error = await failureOf(run(vlens));
      expect(error).toBeInstanceOf(VlensApiError);
      expect(error.message).toMatch(/data has no transaction_id \(it has idNumber, (name_english|transaction_id)\)/);
      expect(error.message).not.toContain("29001012101235");
      expect(error.isRejection).toBe(false);
    }
  });

  it("a liveness answer with data null but a failed check is still a rejection with its reason", async () => {
    const { vlens } = clientWith([json(envelope(null, { services: { liveness: false } }))]);
    const result = await vlens.checkLiveness({ faces: FACES, transactionId: TRANSACTION_ID });
    expect(result).toMatchObject({ status: "rejected", reasons: [{ kind: "liveness" }] });
  });
});
