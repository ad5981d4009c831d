// Token refresh under concurrency, against a real local HTTP server that keeps one valid access
// token and one valid refresh token, and revokes both on each refresh (one-time refresh tokens).
// Every call starts with an expired token; the server answers those 401s spread over 60 ms and a
// refresh in 10 ms, so some 401s arrive while the refresh is under way and some after it replaced
// the token. One refresh must serve them all, on every path: call, named methods, flow helpers,
// vlens.api.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createVlensClient, VlensApiError, VlensError, VlensInputError, type VlensClient } from "../src/index.js";
import {
  answers,
  API_KEY,
  BACK,
  envelope,
  FACES,
  failureOf,
  FRONT,
  headerOf,
  json,
  localServer,
  recordingFetch,
  reply,
  sleep,
  TRANSACTION_ID,
  verifiedEverywhere,
} from "./client-helpers.js";

const EXPIRED = "expired.access.token";
const FIRST_REFRESH = "refresh-token-0";
const REFRESH_PATH = "/api/credentials/RefreshToken";

interface TokenServerOptions {
  /** How many 401s to spread over `spreadMs` (the number of concurrent calls). */
  calls: number;
  spreadMs?: number;
  refreshMs?: number;
}

/** The server: which access and refresh tokens are valid now, what it answered. */
async function tokenServer({ calls, spreadMs = 60, refreshMs = 10 }: TokenServerOptions) {
  const state = { access: "", refresh: FIRST_REFRESH, refreshes: 0, unauthorized: 0, generation: 0 };
  const server = await localServer(async (request, response) => {
    if (request.path === REFRESH_PATH) {
      state.refreshes += 1;
      // Every call's first request is on the wire before the refresh ends, however slow the machine (a
      // flow's first request waits for its chunk to load): so each call meets exactly one 401.
      for (const deadline = Date.now() + 5000; state.unauthorized > 0 && state.unauthorized < calls && Date.now() < deadline; ) await sleep(1);
      await sleep(refreshMs);
      if ((JSON.parse(request.body) as { refreshToken?: string }).refreshToken !== state.refresh) {
        return reply(response, { data: null, error_code: 401, error_message: "The refresh token is not valid.", error_descriptions: null }, 401);
      }
      // The old access token and the old refresh token stop working now.
      state.generation += 1;
      state.access = `access.token.${state.generation}`;
      state.refresh = `refresh-token-${state.generation}`;
      return reply(response, {
        data: { accessToken: state.access, newRefreshToken: state.refresh, expireInSeconds: 86400 },
        error_code: null,
        error_message: null,
        error_descriptions: null,
      });
    }
    if (headerOf(request, "authorization") !== `Bearer ${state.access}`) {
      const index = state.unauthorized;
      state.unauthorized += 1;
      await sleep(calls > 1 ? (spreadMs * index) / (calls - 1) : 0);
      // Half of them the way the API also says it: HTTP 200 with error_code 401 in the envelope.
      if (index % 2) return reply(response, { data: null, error_code: 401, error_message: "Unauthorized", error_descriptions: null });
      return reply(response, { data: null, error_code: 401, error_message: "Unauthorized", error_descriptions: null }, 401);
    }
    return reply(response, verifiedEverywhere());
  });
  return { ...server, state };
}

type Server = Awaited<ReturnType<typeof tokenServer>>;
let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A client whose refresh function renews through the client itself (`refreshToken`, an API-key-only operation). */
function clientFor(url: string, tokenMode: "string" | "function") {
  const store = { access: EXPIRED, refresh: FIRST_REFRESH };
  const refreshAccessToken = vi.fn(async () => {
    const data = await vlens.refreshToken({ refreshToken: store.refresh });
    store.refresh = data.newRefreshToken ?? data.refreshToken ?? store.refresh;
    store.access = data.accessToken!;
    return store.access;
  });
  const vlens: VlensClient = createVlensClient({
    baseUrl: url,
    apiKey: API_KEY,
    accessToken: tokenMode === "string" ? EXPIRED : () => store.access,
    refreshAccessToken,
  });
  return { vlens, refreshAccessToken };
}

const frontBody = { image: FRONT, transaction_id: TRANSACTION_ID, getExtractedData: true };

/** One call per path a user has to an operation with a user token; each resolves when the call succeeded, and says so. */
const paths: Record<string, (vlens: VlensClient) => Promise<unknown>> = {
  call: async (vlens) => (await vlens.call("verifyIdFront", { body: frontBody })).status,
  scanIdFront: async (vlens) => (await vlens.scanIdFront({ image: FRONT })).side,
  scanIdBack: async (vlens) => (await vlens.scanIdBack({ image: BACK, transactionId: TRANSACTION_ID })).side,
  checkLiveness: async (vlens) => (await vlens.checkLiveness({ faces: FACES, transactionId: TRANSACTION_ID })).status,
  linkTransaction: async (vlens) => (await vlens.linkTransaction({ transactionId: TRANSACTION_ID })).status,
  verifyIdentity: async (vlens) => (await vlens.verifyIdentity({ idFront: FRONT, idBack: BACK, faces: FACES })).status,
  "vlens.api": async (vlens) => {
    const { data, response } = await vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: frontBody });
    return response.status === 200 && data?.error_code === null ? "ok" : `HTTP ${response.status}, error_code ${data?.error_code}`;
  },
};
const expected: Record<string, unknown> = {
  call: 200,
  scanIdFront: "front",
  scanIdBack: "back",
  checkLiveness: "verified",
  linkTransaction: "verified",
  verifyIdentity: "verified",
  "vlens.api": "ok",
};
const pathNames = Object.keys(paths);

describe("one refresh per expired token", () => {
  it.each([
    [4, "string"],
    [4, "function"],
    [50, "string"],
    [50, "function"],
  ] as const)("%i concurrent calls (accessToken as a %s), 401s spread over 60 ms: one refresh, every call succeeds", async (calls, tokenMode) => {
    server = await tokenServer({ calls });
    const { vlens, refreshAccessToken } = clientFor(server.url, tokenMode);
    const names = Array.from({ length: calls }, (_, index) => pathNames[index % pathNames.length]!);
    const results = await Promise.allSettled(names.map((name) => paths[name]!(vlens)));

    const outcomes = results.map((result, index) => (result.status === "fulfilled" ? result.value : `${names[index]} failed: ${(result.reason as Error).message}`));
    expect(outcomes).toEqual(names.map((name) => expected[name]));
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    expect(server.state.refreshes).toBe(1);
    // Each call met exactly one 401: its first request, with the expired token.
    expect(server.state.unauthorized).toBe(calls);
    const retried = server.arrived.filter((request) => request.path !== REFRESH_PATH && headerOf(request, "authorization") !== `Bearer ${EXPIRED}`);
    expect(new Set(retried.map((request) => headerOf(request, "authorization")))).toEqual(new Set(["Bearer access.token.1"]));
  });

  it("a 401 for a token a refresh already replaced is retried with the new token, without refreshing", async () => {
    server = await tokenServer({ calls: 2, spreadMs: 80 });
    const { vlens, refreshAccessToken } = clientFor(server.url, "string");
    // The first 401 comes at once; the second 80 ms later, long after the 10 ms refresh.
    const [fast, slow] = await Promise.all([vlens.scanIdFront({ image: FRONT }), vlens.checkLiveness({ faces: FACES, transactionId: TRANSACTION_ID })]);
    expect([fast.side, slow.status]).toEqual(["front", "verified"]);
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    // Later calls carry the new token from the start.
    await vlens.linkTransaction({ transactionId: TRANSACTION_ID });
    expect(headerOf(server.arrived.at(-1)!, "authorization")).toBe("Bearer access.token.1");
    expect(server.state.unauthorized).toBe(2);
  });

  it("a token function still returning a replaced token gets the new one sent in its place", async () => {
    server = await tokenServer({ calls: 1 });
    const refreshAccessToken = vi.fn(async () => (await vlens.refreshToken({ refreshToken: FIRST_REFRESH })).accessToken!);
    // A store that the refresh function does not update.
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, accessToken: () => EXPIRED, refreshAccessToken });
    await vlens.scanIdFront({ image: FRONT });
    await vlens.scanIdFront({ image: FRONT });
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    expect(server.arrived.filter((request) => request.path !== REFRESH_PATH).map((request) => headerOf(request, "authorization"))).toEqual([
      `Bearer ${EXPIRED}`,
      "Bearer access.token.1",
      "Bearer access.token.1",
    ]);
  });

  it("a token that expires after a refresh is refreshed again", async () => {
    server = await tokenServer({ calls: 1 });
    const { vlens, refreshAccessToken } = clientFor(server.url, "function");
    await vlens.scanIdFront({ image: FRONT });
    server.state.access = "revoked-by-the-server";
    await vlens.scanIdFront({ image: FRONT });
    expect(refreshAccessToken).toHaveBeenCalledTimes(2);
    expect(server.state.refreshes).toBe(2);
  });
});

describe("without a token to start with", () => {
  it("the first refresh's token serves the calls after it, and is renewed when it expires", async () => {
    server = await tokenServer({ calls: 1 });
    // The app's session store: empty at first, filled by the refresh function.
    const session: { access: string | null; refresh: string } = { access: null, refresh: FIRST_REFRESH };
    const refreshAccessToken = vi.fn(async () => {
      const data = await vlens.refreshToken({ refreshToken: session.refresh });
      session.refresh = data.newRefreshToken!;
      return (session.access = data.accessToken!);
    });
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, accessToken: () => session.access, refreshAccessToken });
    await Promise.all([vlens.scanIdFront({ image: FRONT }), vlens.linkTransaction({ transactionId: TRANSACTION_ID })]);
    await vlens.scanIdFront({ image: FRONT });
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    server.state.access = "revoked-by-the-server";
    await vlens.scanIdFront({ image: FRONT });
    expect(refreshAccessToken).toHaveBeenCalledTimes(2);
    expect(server.arrived.filter((request) => request.path !== REFRESH_PATH).map((request) => headerOf(request, "authorization"))).toEqual([
      "Bearer access.token.1",
      "Bearer access.token.1",
      "Bearer access.token.1",
      "Bearer access.token.1",
      "Bearer access.token.2",
    ]);
  });
});

describe("after the app logs out", () => {
  it("a call with no token again refreshes again: it never sends the token an earlier refresh returned", async () => {
    const { fetch, sent } = recordingFetch(answers.front());
    const session: { access: string | undefined; loggedIn: boolean } = { access: undefined, loggedIn: true };
    const refreshAccessToken = vi.fn(async () => {
      if (!session.loggedIn) throw new Error("logged out");
      return "T1-from-refresh";
    });
    const vlens = createVlensClient({ baseUrl: "http://vlens.test", apiKey: API_KEY, fetch, accessToken: () => session.access, refreshAccessToken });
    // Two calls wait on the first refresh (no token at all): both carry its token.
    await Promise.all([vlens.scanIdFront({ image: FRONT }), vlens.scanIdFront({ image: FRONT })]);
    expect(sent.map((request) => request.headers.authorization)).toEqual(["Bearer T1-from-refresh", "Bearer T1-from-refresh"]);
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);

    session.loggedIn = false;
    const error = await failureOf(vlens.scanIdFront({ image: FRONT }));
    expect(error).toMatchObject({ name: "VlensInputError", code: "token-hook-failed", field: "refreshAccessToken" });
    expect(refreshAccessToken).toHaveBeenCalledTimes(2);
    expect(sent).toHaveLength(2);
  });

  it("a call with no token and no refresh function fails missing-token after a token was given", async () => {
    const { fetch, sent } = recordingFetch(answers.front());
    let access: string | undefined = "T1";
    const vlens = createVlensClient({ baseUrl: "http://vlens.test", apiKey: API_KEY, fetch, accessToken: () => access });
    await vlens.scanIdFront({ image: FRONT });
    access = undefined;
    expect(await failureOf(vlens.scanIdFront({ image: FRONT }))).toMatchObject({ name: "VlensInputError", code: "missing-token", field: "accessToken" });
    expect(sent.map((request) => request.headers.authorization)).toEqual(["Bearer T1"]);
  });
});

describe("a caller's signal while the call waits for a refresh", () => {
  it.each(["call", "named", "flow", "vlens.api"] as const)("%s: ends the wait (timeout, then abort); the refresh goes on for the calls without one", async (path) => {
    let release!: (token: string) => void;
    const refreshAccessToken = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
    const { fetch, sent } = recordingFetch((request) =>
      request.headers.authorization === "Bearer fresh-token"
        ? answers.liveness({ transaction_id: TRANSACTION_ID })
        : json(envelope(null, { error_code: 401, error_message: "Unauthorized" }), 401),
    );
    const vlens = createVlensClient({ baseUrl: "http://vlens.test", apiKey: API_KEY, fetch, accessToken: "expired.token", refreshAccessToken });
    const send = (signal?: AbortSignal) =>
      path === "call"
        ? vlens.call("verifyIdFront", { body: { image: FRONT, transaction_id: TRANSACTION_ID, getExtractedData: true } }, { signal })
        : path === "named"
          ? vlens.scanIdFront({ image: FRONT }, { signal })
          : path === "flow"
            ? vlens.linkTransaction({ transactionId: TRANSACTION_ID }, { signal })
            : vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { image: FRONT, transaction_id: TRANSACTION_ID, getExtractedData: true }, signal });
    const patient = send();
    // Without a wait that ends on the signal, a call would hang until the refresh answers: it answers at the latest after 2 s.
    const fallback = setTimeout(() => release("fresh-token"), 2000);
    const timedOut = await failureOf(send(AbortSignal.timeout(30)));
    expect(timedOut).toMatchObject({ name: "VlensTransportError", kind: "timeout" });
    expect(timedOut.message).toContain("the caller's AbortSignal timed out");
    const controller = new AbortController();
    const aborted = send(controller.signal);
    await sleep(10);
    controller.abort();
    expect(await failureOf(aborted)).toMatchObject({ name: "VlensTransportError", kind: "aborted" });
    // The refresh is still under way: only now does it answer, and the call that kept waiting gets its token.
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    clearTimeout(fallback);
    release("fresh-token");
    await patient;
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    // Three first requests with the expired token, one retry with the fresh one: the aborted calls sent nothing more.
    expect(sent.map((request) => request.headers.authorization)).toEqual(["Bearer expired.token", "Bearer expired.token", "Bearer expired.token", "Bearer fresh-token"]);
  });
});

describe("a refresh that fails", () => {
  it.each([4, 50])("fails each of %i waiting calls with the same typed error, after one refresh", async (calls) => {
    server = await tokenServer({ calls });
    server.state.refresh = "revoked";
    const { vlens, refreshAccessToken } = clientFor(server.url, "string");
    const names = Array.from({ length: calls }, (_, index) => pathNames[index % pathNames.length]!);
    const errors = await Promise.all(names.map((name) => failureOf(paths[name]!(vlens))));

    // The refresh function's own error (the refreshToken call refused with 401), the same object for every call.
    expect(errors[0]).toBeInstanceOf(VlensApiError);
    expect(errors[0]).toMatchObject({ operation: "refreshToken", status: 401 });
    expect(errors.every((error) => error === errors[0])).toBe(true);
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
    expect(server.state.refreshes).toBe(1);
  });

  it("wraps a refresh function's own failure in a VlensInputError naming it, shared by every waiting call", async () => {
    server = await tokenServer({ calls: 4 });
    const refreshAccessToken = vi.fn(async () => {
      await sleep(10);
      throw new Error("the session store is down");
    });
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, accessToken: EXPIRED, refreshAccessToken });
    const errors = await Promise.all(pathNames.slice(0, 4).map((name) => failureOf(paths[name]!(vlens))));
    expect(errors[0]).toBeInstanceOf(VlensInputError);
    expect(errors[0]).toMatchObject({ code: "token-hook-failed", field: "refreshAccessToken", cause: { message: "the session store is down" } });
    expect(errors[0].message).toBe("refreshAccessToken: the function failed: the session store is down");
    expect(errors.every((error) => error === errors[0])).toBe(true);
    expect(refreshAccessToken).toHaveBeenCalledTimes(1);
  });

  it("is tried again by a call sent after it failed", async () => {
    server = await tokenServer({ calls: 1 });
    server.state.refresh = "revoked";
    const { vlens, refreshAccessToken } = clientFor(server.url, "string");
    expect(await failureOf(vlens.scanIdFront({ image: FRONT }))).toBeInstanceOf(VlensError);
    server.state.refresh = FIRST_REFRESH;
    expect((await vlens.scanIdFront({ image: FRONT })).side).toBe("front");
    expect(refreshAccessToken).toHaveBeenCalledTimes(2);
  });

  it.each([
    ["no token", () => "", { code: "missing-token" }],
    [
      "a token with a line break",
      () => "fresh\r\nX-Injected: 1",
      { code: "invalid-option", message: "refreshAccessToken: the value has a line break at position 6 of 20, which no HTTP header can carry (the value is not shown)" },
    ],
    ["a token with a non-ASCII character", () => "frésh-token", { code: "invalid-option", message: expect.stringContaining("a non-ASCII character at position 3") }],
  ])("that answers %s is a VlensInputError naming refreshAccessToken; the retry is not sent", async (_case, refreshAccessToken, error) => {
    server = await tokenServer({ calls: 1 });
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, accessToken: EXPIRED, refreshAccessToken });
    expect(await failureOf(vlens.scanIdFront({ image: FRONT }))).toMatchObject({ name: "VlensInputError", field: "refreshAccessToken", ...error });
    expect(server.arrived).toHaveLength(1);
  });
});
