// A hostile or broken server in front of the client: real HTTP servers in the test process answer
// with redirects to another origin (which must get nothing: no API key, no token, no body) and with
// answers too large to keep (endless, or small on the wire and huge once decoded), which must end
// as a typed error with the body's reading stopped.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVlensClient, VlensInputError, VlensTransportError, type VlensClient } from "../src/index.js";
import { API_KEY, BACK, envelope, FACES, failureOf, FRONT, localServer, reply, TRANSACTION_ID, USER_TOKEN, verifiedEverywhere, type Arrived } from "./client-helpers.js";

const PASSWORD = "pass-7Qz!Redirected-Password";
const BUNDLE_KEY = "bundle-3c9e-SECRET-BUNDLE-71aa";

/** Everything a user may look at in an error. */
const renderings = (error: unknown) => [String(error), (error as Error).stack ?? "", JSON.stringify(error), inspect(error, { depth: Infinity, showHidden: true })].join("\n");

/** Every way the client sends a request, each carrying a credential and most a body. */
const paths: [string, (vlens: VlensClient) => Promise<unknown>][] = [
  ["scanIdFront (user token, ID image)", (vlens) => vlens.scanIdFront({ image: FRONT, transactionId: TRANSACTION_ID })],
  ["adminLogin (password)", (vlens) => vlens.adminLogin({ userNameOrEmailAddress: "admin", password: PASSWORD, tenancyName: "acme" })],
  ["ocrIdFront (BundleKey, ID image)", (vlens) => vlens.ocrIdFront({ image: FRONT, transactionId: TRANSACTION_ID })],
  ["getStepImage (GET, admin token)", (vlens) => vlens.getStepImage({ TransactionId: TRANSACTION_ID, FileName: "front.jpg" })],
  ["verifyIdentity (flow)", (vlens) => vlens.verifyIdentity({ idFront: FRONT, idBack: BACK, faces: FACES })],
  [
    "vlens.api.POST (password)",
    (vlens) =>
      vlens.api.POST("/api/credentials/Login", { body: { tenancyName: "acme", userNameOrEmailAddress: "admin", password: PASSWORD }, params: { header: { TenancyName: "acme" } } }),
  ],
];

describe("a redirect is never followed", () => {
  let elsewhere: Awaited<ReturnType<typeof localServer>>;
  let hostile: Awaited<ReturnType<typeof localServer>>;
  let status = 307;
  let location = "";
  beforeAll(async () => {
    // Another origin (another port): it must receive nothing at all.
    elsewhere = await localServer((_request, response) => reply(response, verifiedEverywhere()));
    hostile = await localServer((_request, response) => {
      response.writeHead(status, { Location: location, "Content-Type": "application/json" });
      response.end(JSON.stringify(envelope(null)));
    });
  });
  afterAll(async () => {
    await hostile.close();
    await elsewhere.close();
  });

  const client = () =>
    createVlensClient({ baseUrl: hostile.url, apiKey: API_KEY, bundleKey: BUNDLE_KEY, tenancyName: "acme", accessToken: USER_TOKEN, onWarning: () => undefined });

  it.each([301, 302, 303, 307, 308])("%i to another origin: nothing reaches it, and the error names the status and the target's origin", async (code) => {
    status = code;
    location = `${elsewhere.url}/steal?key=${API_KEY}&password=${PASSWORD}`;
    for (const [name, send] of paths) {
      const error = await failureOf(send(client()));
      expect(error, name).toBeInstanceOf(VlensTransportError);
      expect(error, name).toMatchObject({ kind: "redirect", status: code });
      expect(error.message, name).toContain(`the answer is a redirect, never followed (to ${elsewhere.url})`);
      expect(error.message, name).toContain(`HTTP ${code}`);
      const text = renderings(error);
      for (const secret of [API_KEY, USER_TOKEN, PASSWORD, BUNDLE_KEY, FRONT.slice(0, 40), "/steal"]) expect(text, name).not.toContain(secret);
    }
    expect(elsewhere.arrived).toEqual([]);
  });

  it("to the same origin: refused too, the server asked once", async () => {
    status = 307;
    location = "/api/DigitalIdentity/verify/id/front/again";
    const before = hostile.arrived.length;
    const error = await failureOf(client().scanIdFront({ image: FRONT }));
    expect(error).toMatchObject({ name: "VlensTransportError", kind: "redirect", status: 307 });
    expect(error.message).toContain(`(to ${hostile.url})`);
    expect(hostile.arrived.slice(before).map((request: Arrived) => request.path)).toEqual(["/api/DigitalIdentity/verify/id/front"]);
  });

  it("a target that is not a URL is named as such", async () => {
    status = 302;
    location = "http://[not-a-host";
    const error = await failureOf(client().checkExistenceOfEmailOrPhone({ email: "a@example.com" }));
    expect(error).toMatchObject({ kind: "redirect", message: expect.stringContaining("(to an address that is not a URL)") });
  });

  it("an answer a custom fetch got by following a redirect anyway is refused", async () => {
    // A fetch that ignores `redirect: "manual"` (a polyfill, a wrapper): its answer came from elsewhere.
    const following = async (input: string | Request, init?: RequestInit) => {
      const response = await fetch(input, { ...init, redirect: "follow" });
      expect(response.redirected).toBe(true);
      return response;
    };
    status = 302;
    location = `${elsewhere.url}/moved`;
    const vlens = createVlensClient({ baseUrl: hostile.url, apiKey: API_KEY, fetch: following });
    const error = await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }));
    expect(error).toMatchObject({ name: "VlensTransportError", kind: "redirect", message: expect.stringContaining(`(to ${elsewhere.url})`) });
  });
});

/** A server whose every answer is `answer`; `closed` counts the answers whose connection ended before they were complete. */
async function rawServer(answer: (request: IncomingMessage, response: ServerResponse) => void) {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => answer(request, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MiB = 1024 * 1024;
/** `{"data":{},"error_code":null}` padded with spaces to exactly `bytes` bytes: valid JSON of that size. */
const paddedEnvelope = (bytes: number) => {
  const text = JSON.stringify({ data: {}, error_code: null, error_message: null });
  return text + " ".repeat(bytes - text.length);
};

describe("an answer larger than maxResponseBytes", () => {
  // Ends the test's endless answers: each settles when the client has closed its connection.
  const stopped: Promise<number>[] = [];

  /** Writes 64 KiB chunks without end, as fast as the client reads, until the connection closes; resolves with the bytes written. */
  function endless(response: ServerResponse, headers: Record<string, string> = {}) {
    response.writeHead(200, { "Content-Type": "application/json", ...headers });
    response.write('{"data":"');
    const chunk = Buffer.alloc(64 * 1024, "A");
    let written = 0;
    stopped.push(
      new Promise((resolve) => {
        const pump = () => {
          while (!response.destroyed) {
            written += chunk.length;
            if (!response.write(chunk)) return void response.once("drain", pump);
          }
        };
        response.once("close", () => resolve(written));
        pump();
      }),
    );
  }

  it("an endless body: reading stops as soon as it is over the limit, the connection is closed", async () => {
    const server = await rawServer((_request, response) => endless(response));
    try {
      const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, maxResponseBytes: MiB, timeoutMs: 20_000 });
      const error = await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }));
      expect(error).toBeInstanceOf(VlensTransportError);
      expect(error).toMatchObject({ kind: "too-large", status: 200, operation: "checkExistenceOfEmailOrPhone" });
      expect(error.message).toContain("the answer is too large (over the client's maxResponseBytes of 1048576 bytes)");
      // The server sees its connection closed: the client did not go on reading.
      const written = await stopped.at(-1)!;
      expect(written).toBeGreaterThan(MiB);
    } finally {
      await server.close();
    }
  });

  it("through vlens.api too", async () => {
    const server = await rawServer((_request, response) => endless(response));
    try {
      const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, maxResponseBytes: MiB, timeoutMs: 20_000 });
      const error = await failureOf(vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" } }));
      expect(error).toMatchObject({ name: "VlensTransportError", kind: "too-large", status: 200 });
      await stopped.at(-1);
    } finally {
      await server.close();
    }
  });

  // 16 MiB of JSON once decoded, a few KiB on the wire; the Content-Length is the compressed one.
  const huge = Buffer.from(paddedEnvelope(16 * MiB));
  const bombs: [string, Buffer][] = [
    ["gzip", gzipSync(huge, { level: 9 })],
    ["br", brotliCompressSync(huge, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })],
  ];
  it.each(bombs)("a %s answer is counted decoded, not as sent", async (encoding, compressed) => {
    expect(compressed.length).toBeLessThan(MiB / 8);
    const server = await rawServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": encoding, "Content-Length": String(compressed.length) });
      response.end(compressed);
    });
    try {
      const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, accessToken: USER_TOKEN, maxResponseBytes: MiB });
      expect(await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }))).toMatchObject({ name: "VlensTransportError", kind: "too-large" });
      expect(await failureOf(vlens.api.GET("/api/DigitalIdentity/GetStepImage", { params: { query: { TransactionId: TRANSACTION_ID, FileName: "x.jpg" } } }))).toMatchObject({
        kind: "too-large",
      });
    } finally {
      await server.close();
    }
  });

  it("an answer of exactly the limit is read; one byte more is not", async () => {
    let size = 4096;
    const server = await rawServer((_request, response) => reply(response, paddedEnvelope(size)));
    try {
      const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, maxResponseBytes: 4096 });
      expect(await vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" })).toEqual({});
      size = 4097;
      expect(await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }))).toMatchObject({
        kind: "too-large",
        message: expect.stringContaining("maxResponseBytes of 4096 bytes"),
      });
    } finally {
      await server.close();
    }
  });

  it("the default is 32 MiB", async () => {
    let size = 32 * MiB;
    const server = await rawServer((_request, response) => reply(response, paddedEnvelope(size)));
    try {
      const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY });
      expect(await vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" })).toEqual({});
      size += 1;
      expect(await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }))).toMatchObject({
        kind: "too-large",
        message: expect.stringContaining("maxResponseBytes of 33554432 bytes"),
      });
    } finally {
      await server.close();
    }
  });

  it.each([0, -1, Number.NaN])("maxResponseBytes %s is refused", (maxResponseBytes) => {
    const error = (() => {
      try {
        createVlensClient({ apiKey: API_KEY, maxResponseBytes });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(VlensInputError);
    expect(error).toMatchObject({ code: "invalid-option", field: "maxResponseBytes" });
  });
});

describe("timeoutMs covers the whole body", () => {
  it("a body that trickles without end times out, and the connection is closed", async () => {
    let closed!: Promise<void>;
    const server = await rawServer((_request, response) => {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.write('{"data":"');
      const timer = setInterval(() => response.write("A"), 5);
      closed = new Promise((resolve) => response.once("close", () => (clearInterval(timer), resolve())));
    });
    try {
      const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, timeoutMs: 200 });
      expect(await failureOf(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }))).toMatchObject({ name: "VlensTransportError", kind: "timeout", status: 200 });
      await closed;
    } finally {
      await server.close();
    }
  });

  /** A fetch whose answer is endless and deaf to the request's signal: 16 KiB chunks, `pause` ms apart; `cancelled` settles when the client cancels it. */
  function deafFetch(pause: number) {
    let cancel!: () => void;
    const cancelled = new Promise<void>((resolve) => (cancel = resolve));
    const fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, pause));
            controller.enqueue(new Uint8Array(16 * 1024).fill(65));
          },
          cancel: () => cancel(),
        }),
        { status: 200 },
      );
    return { fetch, cancelled };
  }

  it("a custom fetch whose body ignores the abort: the client cancels the body itself, on timeout or over the limit", async () => {
    const slow = deafFetch(5);
    const timed = createVlensClient({ apiKey: API_KEY, fetch: slow.fetch, timeoutMs: 100, maxResponseBytes: Number.POSITIVE_INFINITY });
    expect(await failureOf(timed.checkExistenceOfEmailOrPhone({ email: "a@example.com" }))).toMatchObject({ name: "VlensTransportError", kind: "timeout" });
    await slow.cancelled;

    const fast = deafFetch(0);
    const capped = createVlensClient({ apiKey: API_KEY, fetch: fast.fetch, timeoutMs: 60_000, maxResponseBytes: MiB });
    expect(await failureOf(capped.checkExistenceOfEmailOrPhone({ email: "a@example.com" }))).toMatchObject({ name: "VlensTransportError", kind: "too-large" });
    await fast.cancelled;
  });
});
