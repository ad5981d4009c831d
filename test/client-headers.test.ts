// One value per header, on the wire: a caller's header replaces the client's header of the same
// name whatever the letter case of either, on every path (call, named methods, flow helpers,
// vlens.api). A real local server records every header line as it arrived; a client that merged
// two spellings shows up as two lines or as one line with both values joined by a comma.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMock } from "../mocks/index.js";
import { createVlensClient, VlensApiError, VlensInputError, type VlensClient } from "../src/index.js";
import { API_KEY, BACK, FACES, failureOf, FRONT, headerOf, localServer, reply, TRANSACTION_ID, USER_TOKEN, valuesOf, verifiedEverywhere, type Arrived } from "./client-helpers.js";

let server: Awaited<ReturnType<typeof localServer>>;
beforeAll(async () => {
  server = await localServer((_request, response) => reply(response, verifiedEverywhere()));
});
afterAll(() => server.close());

function client(): VlensClient {
  return createVlensClient({
    baseUrl: server.url,
    apiKey: API_KEY,
    tenancyName: "acme",
    language: "en",
    bundleKey: "bundle-1",
    accessToken: USER_TOKEN,
    requestId: () => "client-request-id",
  });
}

/** Runs `send` and answers the requests it put on the wire. */
async function onTheWire(send: () => Promise<unknown>): Promise<Arrived[]> {
  const before = server.arrived.length;
  await send();
  return server.arrived.slice(before);
}

// Every header the client sets itself, named by the caller in another letter case.
const mine: Record<string, string> = {
  authorization: "Bearer caller.token",
  "x-request-id": "caller-request-id",
  "CONTENT-TYPE": "application/json; charset=utf-8",
  apikey: "caller-api-key",
  BUNDLEkey: "caller-bundle",
  PREFER: "example=extracted",
  tenancyname: "caller-tenant",
  "ACCEPT-language": "ar",
  accept: "application/json, text/plain",
};

const frontBody = { image: FRONT, transaction_id: TRANSACTION_ID, getExtractedData: true };
const paths: [string, (vlens: VlensClient, headers: Record<string, string>) => Promise<unknown>][] = [
  ["call, headers in the request", (vlens, headers) => vlens.call("verifyIdFront", { body: frontBody, headers }, { scenario: "cardNotDetected", requestId: "option-request-id" })],
  ["call, headers in the options", (vlens, headers) => vlens.call("verifyIdFront", { body: frontBody }, { headers, scenario: "cardNotDetected" })],
  ["adminLogin (sends TenancyName itself)", (vlens, headers) => vlens.adminLogin({ userNameOrEmailAddress: "admin", password: "pass-word-1" }, { headers })],
  [
    "getUserDigitalIdentityImages (GET, admin token)",
    (vlens, headers) => vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: "+201001234567" }, { headers, scenario: "images" }),
  ],
  ["checkExistenceOfEmailOrPhone (API key only)", (vlens, headers) => vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }, { headers })],
  ["scanIdFront", (vlens, headers) => vlens.scanIdFront({ image: FRONT }, { headers, scenario: "extracted" })],
  ["scanIdBack", (vlens, headers) => vlens.scanIdBack({ image: BACK, transactionId: TRANSACTION_ID }, { headers })],
  ["checkLiveness", (vlens, headers) => vlens.checkLiveness({ faces: FACES, transactionId: TRANSACTION_ID }, { headers })],
  ["linkTransaction", (vlens, headers) => vlens.linkTransaction({ transactionId: TRANSACTION_ID }, { headers })],
  ["verifyIdentity (three requests)", (vlens, headers) => vlens.verifyIdentity({ idFront: FRONT, idBack: BACK, faces: FACES }, { headers, scenarios: { liveness: "verified" } })],
  ["captureBeforeLogin (key only, three requests)", (vlens, headers) => vlens.captureBeforeLogin({ idFront: FRONT, idBack: BACK, faces: FACES }, { headers })],
  ["ocrIdFront (key only, sends BundleKey itself)", (vlens, headers) => vlens.ocrIdFront({ image: FRONT }, { headers })],
  ["cancelVerifiedDigitalIdentity (TenancyName required)", (vlens, headers) => vlens.cancelVerifiedDigitalIdentity({ headers })],
  ["vlens.api.POST", (vlens, headers) => vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: frontBody, headers })],
  [
    "vlens.api.GET",
    (vlens, headers) => vlens.api.GET("/api/DigitalIdentity/GetUserDigitalIdentityImages", { params: { query: { emailOrPhoneNumber: "+201001234567" } }, headers }),
  ],
];

describe("a caller's header replaces the client's, in any letter case", () => {
  it.each(paths)("%s: one value per header, the caller's", async (_path, send) => {
    const requests = await onTheWire(() => send(client(), mine));
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      const sent = Object.fromEntries(Object.keys(mine).map((name) => [name, valuesOf(request, name)]));
      expect(sent).toEqual(Object.fromEntries(Object.entries(mine).map(([name, value]) => [name, [value]])));
    }
  });

  it.each(paths)("%s: without caller headers, the client's own, once each", async (_path, send) => {
    const requests = await onTheWire(() => send(client(), {}));
    for (const request of requests) {
      for (const name of ["ApiKey", "TenancyName", "Accept-Language", "Accept", "X-Request-Id"]) expect(valuesOf(request, name), name).toHaveLength(1);
      expect(headerOf(request, "ApiKey")).toBe(API_KEY);
      expect(valuesOf(request, "Authorization").length).toBeLessThanOrEqual(1);
    }
  });

  it("the later of two spellings in the caller's own headers wins; never both", async () => {
    const [request] = await onTheWire(() =>
      client().call("verifyIdFront", { body: frontBody, headers: { "X-Trace": "one", "x-trace": "two" } }, { headers: { "X-TRACE": "three" } }),
    );
    expect(valuesOf(request!, "x-trace")).toEqual(["three"]);
  });

  it("a required TenancyName given only in the call's headers is enough", async () => {
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, accessToken: USER_TOKEN });
    const [request] = await onTheWire(() => vlens.cancelVerifiedDigitalIdentity({ headers: { tenancyname: "acme" } }));
    expect(valuesOf(request!, "TenancyName")).toEqual(["acme"]);
  });

  it("the request id reported is the one sent", async () => {
    const answer = await client().call("verifyIdFront", { body: frontBody, headers: { "x-request-id": "caller-request-id" } });
    expect(answer.requestId).toBe("caller-request-id");
    const broken = await localServer((_request, response) => reply(response, "<html>maintenance</html>", 200, { "Content-Type": "text/html" }));
    const error = await failureOf(
      createVlensClient({ baseUrl: broken.url, apiKey: API_KEY }).checkExistenceOfEmailOrPhone({ email: "a@example.com" }, { headers: { "X-REQUEST-ID": "mine-2" } }),
    );
    await broken.close();
    expect(error).toMatchObject({ name: "VlensTransportError", requestId: "mine-2" });
  });

  it("a caller's Authorization is sent as it is: no token function asked, no refresh on its 401", async () => {
    const refusing = await localServer((_request, response) => reply(response, { data: null, error_code: 401, error_message: "Unauthorized" }, 401));
    try {
      const accessToken = vi.fn(() => USER_TOKEN);
      const refreshAccessToken = vi.fn(() => "fresh-token");
      const vlens = createVlensClient({ baseUrl: refusing.url, apiKey: API_KEY, accessToken, refreshAccessToken });
      const error = await failureOf(vlens.scanIdFront({ image: FRONT }, { headers: { AUTHORIZATION: "Bearer caller.token" } }));
      expect(error).toBeInstanceOf(VlensApiError);
      expect(error.status).toBe(401);
      expect(accessToken).not.toHaveBeenCalled();
      expect(refreshAccessToken).not.toHaveBeenCalled();
      expect(refusing.arrived.map((request) => valuesOf(request, "authorization"))).toEqual([["Bearer caller.token"]]);
    } finally {
      await refusing.close();
    }
  });
});

describe("header values no HTTP header can carry", () => {
  it.each([
    ["a line break", { "X-Note": "one\r\ntwo" }, "headers.X-Note", "a line break at position 4"],
    ["a non-ASCII character", { "X-Note": "café" }, "headers.X-Note", "a non-ASCII character at position 4"],
    ["a character above U+00FF", { Authorization: "Bearer tok€n" }, "headers.Authorization", "a non-ASCII character at position 11"],
    ["a control character", { "X-Note": "a\u0000b" }, "headers.X-Note", "a control character at position 2"],
    ["a space at the end", { "X-Note": "value " }, "headers.X-Note", "a space or tab at its start or end"],
  ])("%s is a VlensInputError naming the header, before anything is sent, on every path", async (_case, headers, field, problem) => {
    const before = server.arrived.length;
    for (const [, send] of paths) {
      const error = await failureOf(send(client(), headers));
      expect(error).toBeInstanceOf(VlensInputError);
      expect(error).toMatchObject({ code: "invalid-header", field });
      expect(error.message).toContain(problem);
      expect(error.message).toContain("the value is not shown");
    }
    expect(server.arrived.length).toBe(before);
  });

  it.each([
    ["a line break", "id\r\nX-Injected: 1", "a line break at position 3"],
    ["a non-ASCII character", "idé", "a non-ASCII character at position 3"],
  ])("a requestId function answering %s is a VlensInputError naming requestId, before anything is sent, on every path", async (_case, requestId, problem) => {
    const before = server.arrived.length;
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, tenancyName: "acme", accessToken: USER_TOKEN, requestId: () => requestId });
    // The first path passes its own requestId option.
    for (const [, send] of paths.slice(1)) {
      const error = await failureOf(send(vlens, {}));
      expect(error).toBeInstanceOf(VlensInputError);
      expect(error).toMatchObject({ code: "invalid-option", field: "requestId" });
      expect(error.message).toContain(problem);
      expect(error.message).not.toContain("X-Injected");
    }
    expect(server.arrived.length).toBe(before);
  });

  it("a requestId call option no header can carry is a VlensInputError naming requestId, before anything is sent", async () => {
    const before = server.arrived.length;
    const requestId = "id\r\nX-Injected: 1";
    const sends = [
      (vlens: VlensClient) => vlens.call("verifyIdFront", { body: frontBody }, { requestId }),
      (vlens: VlensClient) => vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }, { requestId }),
      (vlens: VlensClient) => vlens.scanIdFront({ image: FRONT }, { requestId }),
      (vlens: VlensClient) => vlens.ocrIdFront({ image: FRONT }, { requestId }),
      (vlens: VlensClient) => vlens.checkLiveness({ faces: FACES, transactionId: TRANSACTION_ID }, { requestId }),
      (vlens: VlensClient) => vlens.linkTransaction({ transactionId: TRANSACTION_ID }, { requestId }),
      (vlens: VlensClient) => vlens.cancelVerifiedDigitalIdentity({ requestId }),
    ];
    for (const send of sends) {
      const error = await failureOf(send(client()));
      expect(error).toBeInstanceOf(VlensInputError);
      expect(error).toMatchObject({ code: "invalid-option", field: "requestId" });
      expect(error.message).toContain("a line break at position 3");
      expect(error.message).not.toContain("X-Injected");
    }
    expect(server.arrived.length).toBe(before);
  });

  it("an invalid header name is a VlensInputError too", async () => {
    for (const [, send] of paths) expect(await failureOf(send(client(), { "Bad Name": "x" }))).toMatchObject({ name: "VlensInputError", code: "invalid-header", field: "headers" });
  });
});

describe("against the mock", () => {
  let mock: Awaited<ReturnType<typeof startMock>>;
  beforeAll(async () => {
    mock = await startMock({ port: 0 });
  });
  afterAll(() => mock?.stop());

  it("a caller's authorization (lower case) is the only one sent, so the mock does not answer 401 malformed", async () => {
    const vlens = createVlensClient({ baseUrl: mock.url, apiKey: "test-api-key", accessToken: "header.payload.signature" });
    const answer = await vlens.call("verifyIdFront", {
      body: frontBody,
      headers: { authorization: "Bearer other", "x-request-id": "r-1", "content-type": "application/json", apikey: "other-key" },
    });
    expect(answer).toMatchObject({ status: 200, requestId: "r-1" });
    const { response } = await vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: frontBody, headers: { authorization: "Bearer other", prefer: "example=extracted" } });
    expect(response.status).toBe(200);
  });
});
