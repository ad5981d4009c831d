// `vlens.api` keeps openapi-fetch's documented conventions: headers in every form `HeadersInit`
// takes, the app's own `onError` error thrown as it is, and `response.url` set. A real local server
// records every header line as it arrived.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVlensClient, VlensError, VlensInputError, VlensTransportError } from "../src/index.js";
import { API_KEY, envelope, failureOf, localServer, reply, TRANSACTION_ID, USER_TOKEN, valuesOf, type Arrived } from "./client-helpers.js";

let server: Awaited<ReturnType<typeof localServer>>;
beforeAll(async () => {
  server = await localServer((_request, response) => reply(response, envelope({ exists: true })));
});
afterAll(() => server.close());

const client = () => createVlensClient({ baseUrl: server.url, apiKey: API_KEY, tenancyName: "acme", accessToken: USER_TOKEN });
const PATH = "/api/DigitalIdentity/CheckExistenceOfEmailOrPhone";

/** The requests `send` put on the wire. */
async function onTheWire(send: () => Promise<unknown>): Promise<Arrived[]> {
  const before = server.arrived.length;
  await send();
  return server.arrived.slice(before);
}

/**
 * A Headers of another implementation (a polyfill such as whatwg-fetch's, undici's package, another
 * frame's): iterable name-value pairs with the Headers methods, but not this runtime's class.
 */
class OtherHeaders {
  readonly #map = new Map<string, string>();
  constructor(init: Record<string, string>) {
    for (const [name, value] of Object.entries(init)) this.#map.set(name.toLowerCase(), value);
  }
  get(name: string) {
    return this.#map.get(name.toLowerCase()) ?? null;
  }
  has(name: string) {
    return this.#map.has(name.toLowerCase());
  }
  forEach(callback: (value: string, name: string) => void) {
    this.#map.forEach(callback);
  }
  entries() {
    return this.#map.entries();
  }
  [Symbol.iterator]() {
    return this.#map.entries();
  }
}

describe("vlens.api takes headers in every form HeadersInit takes", () => {
  const forms: [string, () => unknown][] = [
    ["a record", () => ({ "X-Trace": "t-1", Authorization: "Bearer caller.token" })],
    ["a Headers object", () => new Headers({ "X-Trace": "t-1", Authorization: "Bearer caller.token" })],
    ["a Headers object of another implementation", () => new OtherHeaders({ "X-Trace": "t-1", Authorization: "Bearer caller.token" })],
    [
      "name-value pairs",
      () => [
        ["X-Trace", "t-1"],
        ["Authorization", "Bearer caller.token"],
      ],
    ],
  ];

  it.each(forms)("%s: each header sent once, the caller's Authorization as it is, no header named by an index", async (_form, headers) => {
    const [request] = await onTheWire(() => client().api.POST(PATH, { body: { email: "a@example.com" }, headers: headers() as never }));
    expect(valuesOf(request!, "X-Trace")).toEqual(["t-1"]);
    expect(valuesOf(request!, "Authorization")).toEqual(["Bearer caller.token"]);
    expect(valuesOf(request!, "ApiKey")).toEqual([API_KEY]);
    expect(request!.rawHeaders.map(([name]) => name).filter((name) => /^\d+$/.test(name))).toEqual([]);
  });

  it.each(forms)("%s as params.header: sent too", async (_form, headers) => {
    const [request] = await onTheWire(() =>
      client().api.GET("/api/DigitalIdentity/GetStepImage", { params: { query: { TransactionId: TRANSACTION_ID, FileName: "front.jpg" }, header: headers() as never } }),
    );
    expect(valuesOf(request!, "X-Trace")).toEqual(["t-1"]);
    expect(valuesOf(request!, "Authorization")).toEqual(["Bearer caller.token"]);
  });

  it("several values of one name in pairs arrive joined, as fetch sends them", async () => {
    const [request] = await onTheWire(() =>
      client().api.POST(PATH, {
        body: { email: "a@example.com" },
        headers: [
          ["X-Trace", "one"],
          ["x-trace", "two"],
        ] as never,
      }),
    );
    expect(valuesOf(request!, "X-Trace")).toEqual(["one, two"]);
  });

  it("a value no header can carry, in pairs or another Headers, is refused naming the header, nothing sent, the value not shown", async () => {
    const before = server.arrived.length;
    for (const headers of [[["X-Note", "one\r\ntwo-secret-part"]], new OtherHeaders({ "X-Note": "one\r\ntwo-secret-part" })]) {
      const error = await failureOf(client().api.POST(PATH, { body: { email: "a@example.com" }, headers: headers as never }));
      expect(error).toBeInstanceOf(VlensInputError);
      expect(error).toMatchObject({ code: "invalid-header", field: expect.stringMatching(/^headers\.x-note$/i) });
      expect(String(error)).not.toContain("two-secret-part");
    }
    expect(server.arrived.length).toBe(before);
  });

  it("pairs that are not pairs are a VlensInputError, nothing sent", async () => {
    const before = server.arrived.length;
    const error = await failureOf(client().api.POST(PATH, { body: { email: "a@example.com" }, headers: [["X-Note"]] as never }));
    expect(error).toBeInstanceOf(VlensInputError);
    expect(error).toMatchObject({ code: "invalid-request", field: "vlens.api.POST" });
    expect(server.arrived.length).toBe(before);
  });
});

describe("vlens.api's errors and responses, as openapi-fetch's", () => {
  it("the Error an onError middleware returns is thrown as it is", async () => {
    class AppOffline extends Error {}
    const vlens = createVlensClient({ apiKey: API_KEY, fetch: () => Promise.reject(new TypeError("fetch failed")) });
    const seen: unknown[] = [];
    vlens.api.use({
      onError({ error }) {
        seen.push(error);
        return new AppOffline("the app is offline", { cause: error });
      },
    });
    const error = await failureOf(vlens.api.POST(PATH, { body: { email: "a@example.com" } }));
    expect(error).toBeInstanceOf(AppOffline);
    expect(error.message).toBe("the app is offline");
    // What the middleware saw (and kept as the cause) is the client's own error.
    expect(seen).toEqual([expect.any(VlensTransportError)]);
    expect(error.cause).toBe(seen[0]);
  });

  it("an onError returning nothing lets the client's error through; returning a Response makes it the answer", async () => {
    const failing = () => Promise.reject(new TypeError("fetch failed"));
    const quiet = createVlensClient({ apiKey: API_KEY, fetch: failing });
    quiet.api.use({ onError: () => undefined });
    expect(await failureOf(quiet.api.POST(PATH, { body: { email: "a@example.com" } }))).toMatchObject({ name: "VlensTransportError", kind: "network" });

    const answering = createVlensClient({ apiKey: API_KEY, fetch: failing });
    answering.api.use({ onError: () => Response.json(envelope({ exists: false })) });
    const { data } = await answering.api.POST(PATH, { body: { email: "a@example.com" } });
    expect(data?.data?.exists).toBe(false);
  });

  it("an error thrown inside middleware stays a VlensError (the runtime's errors there may quote header values)", async () => {
    const vlens = client();
    vlens.api.use({
      onRequest() {
        throw new RangeError("my middleware broke");
      },
    });
    const error = await failureOf(vlens.api.POST(PATH, { body: { email: "a@example.com" } }));
    expect(error).toBeInstanceOf(VlensError);
    expect(error).toMatchObject({ name: "VlensInputError", code: "invalid-request" });
  });

  it("response.url is the URL that answered", async () => {
    const vlens = client();
    const post = await vlens.api.POST(PATH, { body: { email: "a@example.com" } });
    expect(post.response.url).toBe(`${server.url}${PATH}`);
    const get = await vlens.api.GET("/api/DigitalIdentity/GetStepImage", { params: { query: { TransactionId: TRANSACTION_ID, FileName: "front.jpg" } } });
    expect(get.response.url).toBe(`${server.url}/api/DigitalIdentity/GetStepImage?TransactionId=${TRANSACTION_ID}&FileName=front.jpg`);
    // Its status, headers and body are the answer's.
    expect(get.response.status).toBe(200);
    expect(get.response.headers.get("content-type")).toBe("application/json");
  });
});
