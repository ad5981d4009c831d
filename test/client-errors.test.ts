// The envelope rules of the description and what a VlensApiError carries: HTTP status,
// error_code, message, catalogue entry, field errors, operation and request id. Then errors that
// say what is wrong: the first specific reason of a refusal in its message, a key or token no
// header can carry named before anything is sent, the caller's own timeout told from the client's,
// and every failure, through every path, a VlensError.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMock } from "../mocks/index.js";
import { createVlensClient, VlensApiError, VlensError, VlensInputError, VlensTransportError, type VlensClient } from "../src/index.js";
import { lookupErrorCode } from "../src/schema.js";
import { API_KEY, BACK, clientWith, envelope, FACES, failureOf, FRONT, json, localServer, recordingFetch, reply, sleep, TRANSACTION_ID, USER_TOKEN } from "./client-helpers.js";

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

describe("a refusal's message carries its first specific reason", () => {
  const refusal = {
    data: null,
    error_code: 401,
    error_message: "Make sure you are using the correct credentials and try again.",
    error_descriptions: [
      { field: "ApiKey", message: "The ApiKey header is malformed: send the key as one run of visible characters." },
      { field: "Authorization", message: "The Authorization header is missing." },
    ],
  };

  it("after the general line, with how many more there are", async () => {
    const { vlens } = clientWith([json(refusal, 401)], { requestId: () => "r-1" });
    const error = await failureOf(existence(vlens));
    expect(error.message).toBe(
      "checkExistenceOfEmailOrPhone failed with error 401 (Unauthorized): Make sure you are using the correct credentials and try again. " +
        "ApiKey: The ApiKey header is malformed: send the key as one run of visible characters. (and 1 more in fieldErrors) [HTTP 401, request r-1]",
    );
    expect(error.fieldErrors).toHaveLength(2);
  });

  it("without repeating a general line that already says it", async () => {
    const { vlens } = clientWith(
      [
        json(
          { data: null, error_code: 400, error_message: "The image field is required.", error_descriptions: [{ field: "image", message: "The image field is required." }] },
          400,
        ),
      ],
      { requestId: () => "r-2" },
    );
    expect((await failureOf(existence(vlens))).message).toBe(
      "checkExistenceOfEmailOrPhone failed with error 400 (BadRequest): The image field is required. [HTTP 400, request r-2]",
    );
  });

  it("after the catalogue's meaning when the server sent no message", async () => {
    const { vlens } = clientWith([json({ data: null, error_code: 400, error_descriptions: { transactionId: ["Not a GUID"] } }, 400)]);
    const error = await failureOf(existence(vlens));
    expect(error.message).toContain(`${lookupErrorCode(400)!.meaning.replace(/\.$/, "")}. transactionId: Not a GUID`);
  });

  describe("against the mock", () => {
    let mock: Awaited<ReturnType<typeof startMock>>;
    beforeAll(async () => {
      mock = await startMock({ port: 0 });
    });
    afterAll(() => mock?.stop());

    it.each([
      ["call", (vlens: VlensClient) => vlens.call("checkExistenceOfEmailOrPhone", { body: { email: "a@example.com" } })],
      ["a named method", (vlens: VlensClient) => vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" })],
      ["scanIdFront", (vlens: VlensClient) => vlens.scanIdFront({ image: FRONT })],
      ["verifyIdentity", (vlens: VlensClient) => vlens.verifyIdentity({ idFront: FRONT, idBack: BACK, faces: FACES })],
    ])("%s: an API key the mock calls malformed says so in e.message", async (_path, send) => {
      // A space inside a key: a header carries it, the API refuses it.
      const vlens = createVlensClient({ baseUrl: mock.url, apiKey: "key with spaces", accessToken: "header.payload.signature" });
      const error = await failureOf(send(vlens));
      expect(error).toBeInstanceOf(VlensApiError);
      expect(error.message).toContain("ApiKey: The ApiKey header is malformed");
    });
  });
});

describe("a key or token no HTTP header can carry is named before anything is sent", () => {
  const problems = [
    ["a line break", "key\nInjected: 1", "a line break at position 4 of 15"],
    ["a carriage return at the end", "key-0123456789\r", "a line break at position 15 of 15"],
    ["a non-ASCII character", "clé-0123456789", "a non-ASCII character at position 3 of 14"],
    ["an emoji", "key-😀-0123", "a non-ASCII character at position 5 of 11"],
    ["a NUL", "key\u0000", "a control character at position 4 of 4"],
    ["a space at the start", " key", "a space or tab at its start or end"],
  ] as const;

  it.each(problems)("the apiKey option with %s", (_case, apiKey, problem) => {
    let error: unknown;
    try {
      createVlensClient({ apiKey });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(VlensInputError);
    expect(error).toMatchObject({ code: "invalid-option", field: "apiKey", message: `apiKey: the value has ${problem}, which no HTTP header can carry (the value is not shown)` });
  });

  it.each(problems)("the accessToken option with %s", (_case, accessToken, problem) => {
    expect(() => createVlensClient({ apiKey: API_KEY, accessToken })).toThrow(`accessToken: the value has ${problem}`);
  });

  it.each([["tenancyName"], ["language"], ["bundleKey"]] as const)("the %s option too", (name) => {
    expect(() => createVlensClient({ apiKey: API_KEY, [name]: "مصر" })).toThrow(`${name}: the value has a non-ASCII character at position 1 of 3`);
  });

  it.each(problems)("a token function answering a token with %s, on every path", async (_case, token, problem) => {
    const { fetch, sent } = recordingFetch(json(envelope({})));
    for (const accessToken of [() => token, async () => token]) {
      const vlens = createVlensClient({ apiKey: API_KEY, accessToken, fetch });
      for (const send of [
        () => vlens.call("verifyIdFront", { body: { image: FRONT, transaction_id: TRANSACTION_ID, getExtractedData: true } }),
        () => vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: "+201001234567" }),
        () => vlens.scanIdFront({ image: FRONT }),
        () => vlens.linkTransaction({ transactionId: TRANSACTION_ID }),
        () => vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { image: FRONT, transaction_id: TRANSACTION_ID, getExtractedData: true } }),
      ]) {
        expect(await failureOf(send())).toMatchObject({ name: "VlensInputError", code: "invalid-option", field: "accessToken", message: expect.stringContaining(problem) });
      }
    }
    expect(sent).toHaveLength(0);
  });
});

describe("the caller's AbortSignal.timeout is a timeout, told from the client's timeoutMs", () => {
  let server: Awaited<ReturnType<typeof localServer>>;
  beforeAll(async () => {
    // Answers after 2 s: long after either time limit.
    server = await localServer(async (_request, response) => {
      await sleep(2000);
      if (!response.destroyed) reply(response, envelope({}));
    });
  });
  afterAll(() => server.close());

  const paths: [string, (vlens: VlensClient, signal?: AbortSignal) => Promise<unknown>][] = [
    ["call", (vlens, signal) => vlens.call("checkExistenceOfEmailOrPhone", { body: { email: "a@example.com" } }, { signal })],
    ["a named method", (vlens, signal) => vlens.getStepImage({ TransactionId: TRANSACTION_ID, FileName: "front.jpg" }, { signal })],
    ["scanIdFront", (vlens, signal) => vlens.scanIdFront({ image: FRONT }, { signal })],
    ["verifyIdentity", (vlens, signal) => vlens.verifyIdentity({ idFront: FRONT, idBack: BACK, faces: FACES }, { signal })],
    ["vlens.api", (vlens, signal) => vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" }, signal })],
  ];

  it.each(paths)("%s", async (_path, send) => {
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, accessToken: USER_TOKEN, timeoutMs: 60_000 });
    const callers = await failureOf(send(vlens, AbortSignal.timeout(30)));
    expect(callers).toBeInstanceOf(VlensTransportError);
    expect(callers.kind).toBe("timeout");
    expect(callers.message).toContain("(the caller's AbortSignal timed out)");
    expect(callers.cause).toMatchObject({ name: "TimeoutError" });

    const short = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, accessToken: USER_TOKEN, timeoutMs: 30 });
    const clients = await failureOf(send(short));
    expect(clients).toMatchObject({ name: "VlensTransportError", kind: "timeout" });
    expect(clients.message).toContain("(the client's timeoutMs of 30 ms)");
  });

  it("an abort of the caller's own is still aborted", async () => {
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const error = await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }, { signal: controller.signal }));
    expect(error).toMatchObject({ name: "VlensTransportError", kind: "aborted" });
    expect(error.message).toContain("aborted by the caller");
    // A signal that timed out before the call is a timeout too.
    const early = AbortSignal.timeout(1);
    await sleep(10);
    expect(await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }, { signal: early }))).toMatchObject({ kind: "timeout" });
  });
});

describe("every error the client throws is a VlensError", () => {
  it("a body or query that cannot be serialized, through call and vlens.api", async () => {
    const { vlens, sent } = clientWith([json(envelope({}))]);
    const body = { email: "a@example.com", count: 1n } as unknown as { email: string };
    expect(await failureOf(vlens.call("checkExistenceOfEmailOrPhone", { body }))).toMatchObject({ name: "VlensInputError", code: "invalid-request", field: "body" });
    expect(await failureOf(vlens.call("getStepImage", { query: { TransactionId: TRANSACTION_ID, FileName: { a: 1 } as unknown as string } }))).toMatchObject({
      name: "VlensInputError",
      code: "invalid-request",
      field: "query.FileName",
    });
    const error = await failureOf(vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body }));
    expect(error).toBeInstanceOf(VlensInputError);
    expect(error).toMatchObject({ code: "invalid-request", field: "vlens.api.POST", message: expect.stringContaining("BigInt") });
    expect(sent).toHaveLength(0);
  });

  it("vlens.api checks headers in every form openapi-fetch takes, and wraps what it refuses", async () => {
    const { vlens, sent } = clientWith([json(envelope({}))]);
    const path = "/api/DigitalIdentity/CheckExistenceOfEmailOrPhone";
    const body = { email: "a@example.com" };
    const several = await failureOf(vlens.api.POST(path, { body, headers: { "X-Note": ["fine", "a\nb"] } }));
    expect(several).toMatchObject({ name: "VlensInputError", code: "invalid-header", field: "headers.X-Note" });
    // What openapi-fetch itself refuses (a nested query object) is wrapped.
    const nested = await failureOf(
      vlens.api.GET("/api/DigitalIdentity/GetStepImage", { params: { query: { TransactionId: TRANSACTION_ID, FileName: { a: { b: 1 } } as never } } }),
    );
    expect(nested).toMatchObject({ name: "VlensInputError", code: "invalid-request", field: "vlens.api.GET", message: expect.stringContaining("Deeply-nested") });
    expect(sent).toHaveLength(0);
  });

  it("vlens.api wraps an error of the caller's middleware, keeping a copy as the cause", async () => {
    const { vlens } = clientWith([json(envelope({}))]);
    const middleware = {
      onRequest() {
        throw new RangeError("my middleware broke");
      },
    };
    vlens.api.use(middleware);
    const error = await failureOf(vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" } }));
    expect(error).toBeInstanceOf(VlensError);
    expect(error).toMatchObject({ name: "VlensInputError", code: "invalid-request", cause: { name: "RangeError", message: "my middleware broke" } });
    expect(() => vlens.api.use({} as never)).toThrow(VlensInputError);
  });

  it("a custom fetch answering something that is not a Response names the fetch option", async () => {
    for (const answer of [undefined, { ok: true }, "text"]) {
      const vlens = createVlensClient({ apiKey: API_KEY, fetch: (async () => answer) as never });
      expect(await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }))).toMatchObject({ name: "VlensInputError", code: "invalid-option", field: "fetch" });
      expect(await failureOf(vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" } }))).toMatchObject({
        name: "VlensInputError",
        field: "fetch",
      });
    }
  });

  it("a token function that throws is a VlensInputError naming it; the client's own errors pass as they are", async () => {
    const thrown = new Error("no session");
    for (const accessToken of [
      () => {
        throw thrown;
      },
      async () => Promise.reject(thrown),
    ]) {
      const { vlens, sent } = clientWith([json(envelope({}))], { accessToken });
      expect(await failureOf(vlens.scanIdFront({ image: FRONT }))).toMatchObject({
        name: "VlensInputError",
        code: "token-hook-failed",
        field: "accessToken",
        message: "accessToken: the function failed: no session",
        cause: { message: "no session" },
      });
      expect(sent).toHaveLength(0);
    }
    const own = new VlensInputError("missing-token", "session", "log in first");
    const { vlens } = clientWith([json(envelope({}))], {
      accessToken: () => {
        throw own;
      },
    });
    expect(await failureOf(vlens.linkTransaction({ transactionId: TRANSACTION_ID }))).toBe(own);
  });

  it("a log callback that throws breaks nothing", async () => {
    const { vlens } = clientWith([json(envelope({ exists: true }))], {
      log: () => {
        throw new Error("logger down");
      },
    });
    expect(await existence(vlens)).toEqual({ exists: true });
  });

  it("validations of unexpected shapes are read as far as they make sense, never thrown on", async () => {
    const odd = {
      Validations: { validation_errors: [null, 3, "x", { field: "idNumber", errors: "oops" }, { field: "dateOfBirth", errors: [null, { code: 1001, message: "Invalid date" }] }] },
    };
    const { vlens } = clientWith([json(envelope(null, { services: odd }))]);
    const error = await failureOf(vlens.scanIdFront({ image: FRONT }));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error.fieldErrors).toEqual([
      { field: "idNumber", message: null, code: null, source: "validations" },
      { field: "dateOfBirth", message: "Invalid date", code: 1001, source: "validations" },
    ]);
    // Shapes without a list of failed fields are no failure at all.
    for (const services of [{ validations: { validation_errors: { not: "a list" } } }, { Validations: "x" }]) {
      const { vlens: other } = clientWith([json(envelope({ idFrontData: { transaction_id: TRANSACTION_ID } }, { services }))]);
      expect((await other.scanIdFront({ image: FRONT })).transactionId).toBe(TRANSACTION_ID);
    }
  });
});

// Last: they reset the module registry, after which a failure loads its own copy of the error classes.
describe("when a chunk loaded on demand cannot be loaded (a browser chunk that fails to download)", () => {
  /** The client's entry, loaded afresh with `module` failing to load; `run` gets it, then the mock is undone. */
  async function without(module: string, run: (fresh: typeof import("../src/index.js")) => Promise<void>) {
    vi.resetModules();
    vi.doMock(module, () => {
      throw new Error("Failed to fetch dynamically imported module");
    });
    try {
      await run(await import("../src/index.js"));
    } finally {
      vi.doUnmock(module);
      vi.resetModules();
    }
  }
  const echo = `the key ${API_KEY} and the token ${USER_TOKEN}`;
  const expectNoSecret = (error: Error) => {
    for (const text of [error.message, String(error), JSON.stringify(error), String(error.cause), (error.cause as Error | undefined)?.stack]) {
      expect(text ?? "").not.toContain(API_KEY);
      expect(text ?? "").not.toContain(USER_TOKEN);
    }
  };

  it("without redaction, errors are still VlensErrors and keep no outside text at all", async () => {
    // The failure module imports redaction: both are missing then.
    await without("../src/redaction.js", async ({ createVlensClient: freshClient, VlensApiError: FreshApiError, VlensTransportError: FreshTransportError }) => {
      const { fetch } = recordingFetch(json(envelope(null, { error_code: 3011, error_message: echo })));
      const apiError = await failureOf(freshClient({ apiKey: API_KEY, accessToken: USER_TOKEN, fetch }).scanIdFront({ image: FRONT }));
      expect(apiError).toBeInstanceOf(FreshApiError);
      expect(apiError).toMatchObject({ status: 200, errorCode: 3011, errorMessage: null, fieldErrors: [] });
      expectNoSecret(apiError);

      const refused = () => Promise.reject(new TypeError(`fetch failed: ${echo}`, { cause: { code: `ECONN ${API_KEY}` } }));
      const transportError = await failureOf(freshClient({ apiKey: API_KEY, accessToken: USER_TOKEN, fetch: refused }).scanIdFront({ image: FRONT }));
      expect(transportError).toBeInstanceOf(FreshTransportError);
      expect(transportError).toMatchObject({ kind: "network" });
      expect(transportError.cause).toBeUndefined();
      expectNoSecret(transportError);

      const failing = () => {
        throw new Error(`no token: ${echo}`);
      };
      const hookError = await failureOf(freshClient({ apiKey: API_KEY, accessToken: failing, fetch }).scanIdFront({ image: FRONT }));
      expect(hookError).toMatchObject({ name: "VlensInputError", code: "token-hook-failed", field: "accessToken" });
      expectNoSecret(hookError);
    });
  });

  it("without the refresh machinery, a 401 fails as a VlensTransportError that says so", async () => {
    await without("../src/refresh.js", async ({ createVlensClient: freshClient, VlensError: FreshError }) => {
      const refreshAccessToken = vi.fn(() => "fresh-token-0123456789");
      const { fetch, sent } = recordingFetch(json(envelope(null, { error_code: 401, error_message: "expired" }), 401), json(envelope({ exists: true })));
      const error = await failureOf(freshClient({ apiKey: API_KEY, accessToken: USER_TOKEN, refreshAccessToken, fetch }).scanIdFront({ image: FRONT }));
      expect(error).toBeInstanceOf(FreshError);
      expect(error).toMatchObject({ name: "VlensTransportError", kind: "network", message: expect.stringContaining("the token refresh could not be loaded") });
      expect(refreshAccessToken).not.toHaveBeenCalled();
      expect(sent).toHaveLength(1);
      expectNoSecret(error);
    });
  });

  it("without the flows, a flow fails as a VlensTransportError that says so, and the scans still work", async () => {
    await without("../src/flows.js", async ({ createVlensClient: freshClient, VlensError: FreshError }) => {
      const { fetch, sent } = recordingFetch(json(envelope({ idFrontData: { transaction_id: TRANSACTION_ID } })));
      const vlens = freshClient({ apiKey: API_KEY, accessToken: USER_TOKEN, fetch });
      const error = await failureOf(vlens.verifyIdentity({ idFront: FRONT, idBack: BACK, faces: FACES }));
      expect(error).toBeInstanceOf(FreshError);
      expect(error).toMatchObject({ name: "VlensTransportError", kind: "network", message: expect.stringContaining("the verification flows could not be loaded") });
      expect(sent).toHaveLength(0);
      expect((await vlens.scanIdFront({ image: FRONT })).transactionId).toBe(TRANSACTION_ID);
    });
  });

  it("without the failure module, failures are still VlensApiErrors, without the catalogue details", async () => {
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
