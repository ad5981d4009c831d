// The envelope rules of the description and what a VlensApiError carries: HTTP status,
// error_code, message, catalogue entry, field errors, operation and request id.
import { describe, expect, it, vi } from "vitest";
import { VlensApiError } from "../src/index.js";
import { lookupErrorCode } from "../src/schema.js";
import { clientWith, envelope, failureOf, json, recordingFetch } from "./client-helpers.js";

const existence = (vlens: ReturnType<typeof clientWith>["vlens"]) => vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" });

describe("success and failure of an envelope", () => {
  it.each([
    ["null", { error_code: null }],
    ["0", { error_code: 0 }],
    ["absent", {}],
  ])("error_code %s is a success", async (_case, code) => {
    const { vlens } = clientWith([json({ data: { exists: true }, ...code })]);
    expect(await existence(vlens)).toEqual({ exists: true });
  });

  it.each([
    ["a number", 3011],
    ["a numeric string", "3011"],
  ])("error_code as %s with HTTP 200 is a failure", async (_case, code) => {
    const { vlens, sent } = clientWith([json(envelope(null, { error_code: code, error_message: "Card Not Detected" }))]);
    const error = await failureOf(existence(vlens));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error).toMatchObject({
      name: "VlensApiError",
      operation: "checkExistenceOfEmailOrPhone",
      status: 200,
      errorCode: 3011,
      errorMessage: "Card Not Detected",
      requestId: sent[0]!.headers["x-request-id"],
      entry: {
        code: 3011,
        name: "CardNotDetected",
        category: "document",
        meaning: expect.any(String),
        userMessage: expect.any(String),
        retry: "recapture",
        retryable: true,
      },
    });
    expect(error.message).toBe(`checkExistenceOfEmailOrPhone failed with error 3011 (CardNotDetected): Card Not Detected [HTTP 200, request ${sent[0]!.headers["x-request-id"]}]`);
  });

  it("the catalogue entry is the generated one", async () => {
    const { vlens } = clientWith([json(envelope(null, { error_code: 4003, error_message: "x" }))]);
    const error = await failureOf(existence(vlens));
    expect(error.entry).toEqual(lookupErrorCode(4003));
    expect(error.entry).toMatchObject({ name: "TrialsExceeded", retry: "later", retryable: true });
  });

  it("an HTTP error status is a failure, with the code of its envelope", async () => {
    const body = { data: null, error_code: 5001, error_message: "Please enter a supported document." };
    const { vlens } = clientWith([json(body, 422)]);
    expect(await failureOf(existence(vlens))).toMatchObject({ status: 422, errorCode: 5001, entry: { name: "UnsupportedDocument" }, isRejection: true });
  });

  it("an HTTP error without a code in its envelope takes the catalogue entry of the status", async () => {
    const { vlens } = clientWith([json({ data: null }, 500)]);
    const error = await failureOf(existence(vlens));
    expect(error).toMatchObject({ status: 500, errorCode: null, errorMessage: null, entry: { code: 500, retry: "later", retryable: true } });
    expect(error.message).toContain("failed with HTTP 500 (InternalServerError): Well-formed request received");
  });

  it("an unknown code is still a failure, without catalogue entry", async () => {
    const { vlens } = clientWith([json(envelope(null, { error_code: 9999, error_message: "new" }))]);
    expect(await failureOf(existence(vlens))).toMatchObject({ errorCode: 9999, entry: undefined, isRejection: false });
  });
});

describe("field errors", () => {
  it.each([
    ["a list", [{ field: "image", message: "The image field is required." }], [{ field: "image", message: "The image field is required.", code: null }]],
    ["an object of field -> messages", { image: ["Required.", "Must be base64."] }, [{ field: "image", message: "Required. Must be base64.", code: null }]],
    ["a string", "Bad image", [{ field: null, message: "Bad image", code: null }]],
  ])("come from error_descriptions given as %s", async (_case, descriptions, expected) => {
    const { vlens } = clientWith([json({ data: null, error_code: 400, error_message: "Bad Request", error_descriptions: descriptions }, 400)]);
    const error = await failureOf(existence(vlens));
    expect(error.fieldErrors).toEqual(expected.map((item) => ({ ...item, source: "error_descriptions" })));
  });

  it("come from both spellings of services validations", async () => {
    const services = {
      Validations: { validation_errors: [{ field: "dateOfBirth", value: "2005-02-30", errors: [{ code: 1001, message: "Invalid date of birth format or non-existent date." }] }] },
      validations: { validation_errors: [{ field: "idNumber", errors: [{ code: 3001, message: "Invalid ID Number" }] }] },
    };
    const { vlens } = clientWith([json(envelope(null, { services }))]);
    const error = await failureOf(vlens.scanIdFront({ image: "/9j/" }));
    expect(error.fieldErrors).toEqual([
      { field: "dateOfBirth", value: "2005-02-30", code: 1001, message: "Invalid date of birth format or non-existent date.", source: "validations" },
      { field: "idNumber", code: 3001, message: "Invalid ID Number", source: "validations" },
    ]);
    expect(error.reasons.map((reason: { kind: string }) => reason.kind)).toEqual(["field-validation", "field-validation"]);
    expect(error.message).toContain("dateOfBirth: Invalid date of birth format or non-existent date.; idNumber: Invalid ID Number");
  });
});

describe("when the failure module cannot be loaded (a browser chunk that fails to download)", () => {
  it("failures are still VlensApiErrors, without the catalogue details", async () => {
    vi.resetModules();
    vi.doMock("../src/failure.js", () => {
      throw new Error("Failed to fetch dynamically imported module");
    });
    try {
      const { createVlensClient: freshClient, VlensApiError: FreshError } = await import("../src/index.js");
      const { fetch } = recordingFetch(json(envelope(null, { error_code: 3011, error_message: "Card Not Detected" })));
      const vlens = freshClient({ apiKey: "k", fetch });
      const error = await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }));
      expect(error).toBeInstanceOf(FreshError);
      expect(error).toMatchObject({ status: 200, errorCode: 3011, errorMessage: "Card Not Detected", entry: undefined, fieldErrors: [] });
    } finally {
      vi.doUnmock("../src/failure.js");
      vi.resetModules();
    }
  });
});
