// What every request carries, the token and its refresh, and every way an exchange can break:
// each must end as a typed error, never a raw exception or an unhandled rejection.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createVlensClient, VlensApiError, VlensInputError, VlensTransportError, type FetchFunction } from "../src/index.js";
import { ADMIN_TOKEN, API_KEY, answers, clientWith, envelope, FACES, failureOf, FRONT, json, recordingFetch, TRANSACTION_ID, USER_TOKEN } from "./client-helpers.js";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled.length = 0;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  // Let any stray rejection surface before checking.
  await new Promise((resolve) => setTimeout(resolve, 20));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

describe("the headers of every request", () => {
  it("sends ApiKey, TenancyName, Accept-Language, a fresh X-Request-Id and the user token on a capture step", async () => {
    const { vlens, sent } = clientWith([answers.front()], { tenancyName: "acme", language: "ar" });
    await vlens.scanIdFront({ image: FRONT });
    await vlens.scanIdFront({ image: FRONT });
    const [first, second] = sent;
    expect(first!.headers).toMatchObject({
      apikey: API_KEY,
      tenancyname: "acme",
      "accept-language": "ar",
      accept: "application/json",
      "content-type": "application/json",
      authorization: `Bearer ${USER_TOKEN}`,
    });
    expect(first!.headers["x-request-id"]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second!.headers["x-request-id"]).not.toBe(first!.headers["x-request-id"]);
  });

  it("uses the request-id generator, or the id given for one call, and reports it", async () => {
    let counter = 0;
    const { vlens, sent } = clientWith([json(envelope({ exists: false }))], { requestId: () => `req-${++counter}` });
    const answer = await vlens.call("checkExistenceOfEmailOrPhone", { body: { email: "a@example.com" } });
    await vlens.call("checkExistenceOfEmailOrPhone", { body: { email: "a@example.com" } }, { requestId: "mine-1" });
    expect(sent.map((request) => request.headers["x-request-id"])).toEqual(["req-1", "mine-1"]);
    expect(answer.requestId).toBe("req-1");
  });

  it("calls an async token function per request, telling it which token the operation needs", async () => {
    const asked: unknown[] = [];
    const accessToken = vi.fn(async (context: { operation: unknown; token: string }) => {
      asked.push(context);
      return context.token === "admin" ? ADMIN_TOKEN : USER_TOKEN;
    });
    const { vlens, sent } = clientWith([answers.front(), json(envelope({ idFrontImage: null }))], { accessToken });
    await vlens.scanIdFront({ image: FRONT });
    await vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: "+201001234567" });
    expect(asked).toEqual([
      { operation: "verifyIdFront", token: "user" },
      { operation: "getUserDigitalIdentityImages", token: "admin" },
    ]);
    expect(sent.map((request) => request.headers.authorization)).toEqual([`Bearer ${USER_TOKEN}`, `Bearer ${ADMIN_TOKEN}`]);
  });

  it("sends no Authorization to operations that take the API key alone", async () => {
    const accessToken = vi.fn(() => USER_TOKEN);
    const { vlens, sent } = clientWith([json(envelope({ exists: true }))], { accessToken });
    await vlens.checkExistenceOfEmailOrPhone({ phoneNumber: "+201001234567" });
    expect(sent[0]!.headers.authorization).toBeUndefined();
    expect(accessToken).not.toHaveBeenCalled();
  });

  it("refuses to send a bearer operation without a token", async () => {
    const { fetch, sent } = recordingFetch(answers.front());
    const vlens = createVlensClient({ apiKey: API_KEY, fetch });
    const error = await failureOf(vlens.scanIdFront({ image: FRONT }));
    expect(error).toBeInstanceOf(VlensInputError);
    expect(error).toMatchObject({ code: "missing-token", field: "accessToken" });
    expect(error.message).toContain("verifyIdFront needs a user bearer token");
    expect(sent).toHaveLength(0);
  });

  it("asks the mock for a scenario with Prefer", async () => {
    const { vlens, sent } = clientWith([answers.front()]);
    await vlens.scanIdFront({ image: FRONT }, { scenario: "cardNotDetected" }).catch(() => undefined);
    await vlens.scanIdFront({ image: FRONT }, { scenario: { code: 401, example: "tokenExpired" } }).catch(() => undefined);
    await vlens.scanIdFront({ image: FRONT });
    expect(sent.map((request) => request.headers.prefer)).toEqual(["example=cardNotDetected", "code=401, example=tokenExpired", undefined]);
  });

  it("writes one log line per request, without query strings", async () => {
    const lines: string[] = [];
    const { vlens } = clientWith([json(envelope({ idFrontImage: null }))], { log: (line) => lines.push(line), requestId: () => "r-1" });
    await vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: "+201001234567" });
    expect(lines).toEqual([expect.stringMatching(/^getUserDigitalIdentityImages -> 200 in \d+ ms \[request r-1\]$/)]);
  });
});

describe("refreshing the token once on 401", () => {
  const unauthorized = () => json({ data: null, error_code: 401, error_message: "Make sure you are using the correct credentials and try again." }, 401);

  it("calls the hook once and retries the same request with the new token", async () => {
    const refreshAccessToken = vi.fn(async () => "fresh-token");
    const { vlens, sent } = clientWith([unauthorized(), answers.front()], { refreshAccessToken });
    const scan = await vlens.scanIdFront({ image: FRONT, transactionId: TRANSACTION_ID });
    expect(scan.transactionId).toBe(TRANSACTION_ID);
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    expect(refreshAccessToken).toHaveBeenCalledWith({ operation: "verifyIdFront", token: "user" });
    expect(sent.map((request) => request.headers.authorization)).toEqual([`Bearer ${USER_TOKEN}`, "Bearer fresh-token"]);
    // Same body, same request id.
    expect(sent[1]!.body).toEqual(sent[0]!.body);
    expect(sent[1]!.headers["x-request-id"]).toBe(sent[0]!.headers["x-request-id"]);
  });

  it("keeps the refreshed token for later requests when the token was a string", async () => {
    const { vlens, sent } = clientWith([unauthorized(), answers.front()], { refreshAccessToken: () => "fresh-token" });
    await vlens.scanIdFront({ image: FRONT });
    await vlens.scanIdFront({ image: FRONT });
    expect(sent.map((request) => request.headers.authorization)).toEqual([`Bearer ${USER_TOKEN}`, "Bearer fresh-token", "Bearer fresh-token"]);
  });

  it("also refreshes when the 401 comes in an HTTP 200 envelope", async () => {
    const refreshAccessToken = vi.fn(() => "fresh-token");
    const { vlens } = clientWith([json({ data: null, error_code: "401", error_message: "expired" }), answers.front()], { refreshAccessToken });
    await vlens.scanIdFront({ image: FRONT });
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
  });

  it("gives up after one retry with a VlensApiError 401", async () => {
    const refreshAccessToken = vi.fn(() => "still-bad");
    const { vlens, sent } = clientWith([unauthorized()], { refreshAccessToken });
    const error = await failureOf(vlens.scanIdFront({ image: FRONT }));
    expect(error).toBeInstanceOf(VlensApiError);
    expect(error).toMatchObject({ status: 401, errorCode: 401, entry: { name: "Unauthorized", retry: "refresh-token" } });
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    expect(sent).toHaveLength(2);
  });

  it("shares one refresh between concurrent requests", async () => {
    let release!: (token: string) => void;
    const refreshAccessToken = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
    const { vlens, sent } = clientWith([(request) => (request.headers.authorization === "Bearer fresh-token" ? answers.front() : unauthorized())], { refreshAccessToken });
    const both = Promise.all([vlens.scanIdFront({ image: FRONT }), vlens.scanIdFront({ image: FRONT })]);
    await vi.waitFor(() => expect(refreshAccessToken).toHaveBeenCalled());
    release("fresh-token");
    await both;
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    expect(sent).toHaveLength(4);
  });

  it("gets a first token from the hook when there is none", async () => {
    const { fetch, sent } = recordingFetch(answers.front());
    const vlens = createVlensClient({ apiKey: API_KEY, fetch, refreshAccessToken: () => "first-token" });
    await vlens.scanIdFront({ image: FRONT });
    expect(sent[0]!.headers.authorization).toBe("Bearer first-token");
  });

  it("does not refresh for operations without a bearer token", async () => {
    const refreshAccessToken = vi.fn(() => "x");
    const { vlens, sent } = clientWith([unauthorized()], { refreshAccessToken });
    await failureOf(vlens.adminLogin({ userNameOrEmailAddress: "a", password: "b", tenancyName: "acme" }));
    expect(refreshAccessToken).not.toHaveBeenCalled();
    expect(sent).toHaveLength(1);
  });
});

describe("broken exchanges become VlensTransportError", () => {
  it("times out when no answer comes, and aborts the request", async () => {
    let signal: AbortSignal | undefined;
    const fetch: FetchFunction = (_input, init) => {
      signal = init?.signal ?? undefined;
      return new Promise<Response>(() => undefined);
    };
    const vlens = createVlensClient({ apiKey: API_KEY, accessToken: USER_TOKEN, fetch, timeoutMs: 30 });
    const error = await failureOf(vlens.scanIdFront({ image: FRONT }));
    expect(error).toBeInstanceOf(VlensTransportError);
    expect(error).toMatchObject({ kind: "timeout", operation: "verifyIdFront", status: undefined });
    expect(error.message).toContain("30 ms");
    expect(signal?.aborted).toBe(true);
  });

  it("times out when the body stalls after the headers", async () => {
    const stalled = () => new Response(new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode('{"data":')) }), { status: 200 });
    const { fetch } = recordingFetch(stalled);
    const vlens = createVlensClient({ apiKey: API_KEY, accessToken: USER_TOKEN, fetch, timeoutMs: 30 });
    expect(await failureOf(vlens.scanIdFront({ image: FRONT }))).toMatchObject({ name: "VlensTransportError", kind: "timeout", status: 200 });
  });

  it("reports a connection reset as a network failure, keeping a copy of the cause", async () => {
    const reset = Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) });
    const vlens = createVlensClient({ apiKey: API_KEY, accessToken: USER_TOKEN, fetch: () => Promise.reject(reset) });
    const error = await failureOf(vlens.scanIdFront({ image: FRONT }));
    expect(error).toMatchObject({ name: "VlensTransportError", kind: "network" });
    expect(error.message).toContain("ECONNRESET");
    // A copy (fetch's errors may quote header values), with everything a reader needs.
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.cause).toMatchObject({ name: "TypeError", message: "fetch failed", cause: { message: "read ECONNRESET", code: "ECONNRESET" } });
    expect(error.cause.stack).toContain("TypeError: fetch failed");
  });

  it("reports a body that breaks off as truncated", async () => {
    const broken = () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"data":{"idFrontData"'));
            controller.error(new TypeError("terminated"));
          },
        }),
        { status: 200 },
      );
    const { vlens } = clientWith([broken]);
    expect(await failureOf(vlens.scanIdFront({ image: FRONT }))).toMatchObject({ name: "VlensTransportError", kind: "truncated", status: 200 });
  });

  it("reports JSON that ends too early as truncated", async () => {
    const { vlens } = clientWith([new Response('{"data":{"idFrontData":{"idNumber":"2900', { status: 200, headers: { "Content-Type": "application/json" } })]);
    expect(await failureOf(vlens.scanIdFront({ image: FRONT }))).toMatchObject({ kind: "truncated", status: 200 });
  });

  it.each([
    ["an HTML page with HTTP 200", new Response("<html>maintenance</html>", { status: 200, headers: { "Content-Type": "text/html" } }), 200],
    ["an HTML page with HTTP 502", new Response("<html>bad gateway</html>", { status: 502, headers: { "Content-Type": "text/html" } }), 502],
    ["an empty HTTP 200", new Response("", { status: 200 }), 200],
    ["a JSON array", json([1, 2, 3]), 200],
    ["a JSON string with HTTP 500", json("oops", 500), 500],
  ])("reports %s as non-json", async (_case, response, status) => {
    const { vlens } = clientWith([response]);
    const error = await failureOf(vlens.scanIdFront({ image: FRONT }));
    expect(error).toBeInstanceOf(VlensTransportError);
    expect(error).toMatchObject({ kind: "non-json", status, operation: "verifyIdFront" });
  });

  it("reports the caller's abort, before or during the exchange", async () => {
    const { vlens, sent } = clientWith([answers.front()]);
    const early = await failureOf(vlens.scanIdFront({ image: FRONT }, { signal: AbortSignal.abort() }));
    expect(early).toMatchObject({ name: "VlensTransportError", kind: "aborted" });
    expect(sent).toHaveLength(0);

    const controller = new AbortController();
    const vlensSlow = createVlensClient({ apiKey: API_KEY, accessToken: USER_TOKEN, fetch: () => new Promise<Response>(() => undefined) });
    const pending = vlensSlow.scanIdFront({ image: FRONT }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    expect(await failureOf(pending)).toMatchObject({ kind: "aborted" });
  });

  it("vlens.api applies openapi-fetch middleware registered before its first call, and ejects it", async () => {
    const { vlens, sent } = clientWith([json(envelope({ exists: true }))]);
    const seen: string[] = [];
    const middleware = {
      onRequest({ request }: { request: Request }) {
        seen.push(request.method);
        request.headers.set("X-Extra", "1");
      },
    };
    vlens.api.use(middleware);
    const { data } = await vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" } });
    expect(data?.data?.exists).toBe(true);
    expect(sent[0]!.headers["x-extra"]).toBe("1");
    expect(sent[0]!.headers.apikey).toBe(API_KEY);
    vlens.api.eject(middleware);
    await vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" } });
    expect(seen).toEqual(["POST"]);
    expect(sent[1]!.headers["x-extra"]).toBeUndefined();
  });

  it("types failures of the raw vlens.api client too", async () => {
    const { vlens } = clientWith([new Response("<html/>", { status: 200 })]);
    const error = await failureOf(vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" } }));
    expect(error).toMatchObject({ name: "VlensTransportError", kind: "non-json", operation: "checkExistenceOfEmailOrPhone" });
  });
});

describe("broken exchanges over real sockets", () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      if (request.url?.includes("CheckExistence")) {
        // Promise 500 bytes, send 20, hang up.
        response.writeHead(200, { "Content-Type": "application/json", "Content-Length": "500" });
        response.write('{"data":{"exists":');
        setTimeout(() => response.socket?.destroy(), 5);
      } else {
        request.socket.destroy();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("a body cut off by the server is truncated", async () => {
    const vlens = createVlensClient({ apiKey: API_KEY, baseUrl });
    expect(await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }))).toMatchObject({ kind: "truncated", status: 200 });
  });

  it("a connection closed before any answer is a network failure", async () => {
    const vlens = createVlensClient({ apiKey: API_KEY, accessToken: USER_TOKEN, baseUrl });
    expect(await failureOf(vlens.checkLiveness({ faces: FACES, transactionId: TRANSACTION_ID }))).toMatchObject({ kind: "network", status: undefined });
  });
});
