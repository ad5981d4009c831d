// No secret the request carried (API key, bearer and refresh tokens, passwords, OTPs, image bytes)
// in any message, toString, JSON form, inspection, cause or log line, not even when the server
// echoes them back, fetch refuses them, or a token function quotes them. First fixed cases, then
// properties over generated secrets against a real local server that echoes every request.
import type { ServerResponse } from "node:http";
import { inspect } from "node:util";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVlensClient, VlensError, type VerificationOutcome, type VlensClient } from "../src/index.js";
import {
  ADMIN_TOKEN,
  API_KEY,
  answers,
  clientWith,
  envelope,
  FACES,
  failureOf,
  FRONT,
  headerOf,
  imageBase64,
  json,
  localServer,
  reply,
  TRANSACTION_ID,
  USER_TOKEN,
  type Arrived,
} from "./client-helpers.js";

const IMAGE = imageBase64(77, 3000);
const secrets = { API_KEY, USER_TOKEN, ADMIN_TOKEN, image: IMAGE.slice(100, 160), imageStart: IMAGE.slice(0, 40) };

function renderings(value: unknown): string[] {
  const error = value as Error;
  return [String(value), error?.message, error?.stack, JSON.stringify(value), inspect(value, { depth: Infinity, showHidden: true })].filter(
    (text): text is string => typeof text === "string",
  );
}

function expectNoSecrets(value: unknown) {
  for (const text of renderings(value)) {
    for (const [name, secret] of Object.entries(secrets)) {
      expect(text.includes(secret), `${name} leaked into: ${text.slice(0, 400)}`).toBe(false);
    }
  }
}

const echo = `key ${API_KEY} token ${USER_TOKEN} admin ${ADMIN_TOKEN} image ${IMAGE}`;

describe("secrets never leak", () => {
  const lines: string[] = [];
  const warnings: unknown[] = [];
  const options = { log: (line: string) => lines.push(line), onWarning: (warning: unknown) => warnings.push(warning), accessToken: () => USER_TOKEN };

  it("from API errors, even when the server echoes them", async () => {
    const answersEchoing = [
      json({ data: null, error_code: 400, error_message: echo, error_descriptions: [{ field: "image", message: echo }] }, 400),
      json(envelope(null, { error_code: 3011, error_message: echo, error_descriptions: { image: [echo] } })),
      json(envelope(null, { error_code: 401, error_message: echo, error_descriptions: echo }), 401),
      json(envelope({}, { services: { Validations: { validation_errors: [{ field: "image", value: IMAGE, errors: [{ code: 3001, message: echo }] }] } } })),
    ];
    for (const answer of answersEchoing) {
      const { vlens } = clientWith([answer], { ...options, refreshAccessToken: () => ADMIN_TOKEN });
      const error = await failureOf(vlens.scanIdFront({ image: IMAGE }));
      expect(error.name).toBe("VlensApiError");
      expectNoSecrets(error);
    }
  });

  it("from verification outcomes", async () => {
    const src = { isValid: false, errorCode: 2, errorKey: "ID_NOT_FOUND", errorMessage: echo };
    const { vlens } = clientWith([answers.front(), answers.back(), answers.liveness({ isDigitalIdentityVerified: false }, { SRC: src })], options);
    const outcome: VerificationOutcome = await vlens.verifyIdentity({ idFront: IMAGE, idBack: FRONT, faces: FACES });
    expect(outcome.status).toBe("validated");
    expectNoSecrets(outcome.reasons);

    const rejecting = json(envelope(null, { error_code: 4207, error_message: echo }));
    const { vlens: other } = clientWith([answers.front(), answers.back(), rejecting], options);
    const rejected = await other.verifyIdentity({ idFront: IMAGE, idBack: FRONT, faces: FACES });
    expect(rejected.status).toBe("rejected");
    expectNoSecrets(rejected.reasons);
    expectNoSecrets(rejected.status === "rejected" ? rejected.error : undefined);
  });

  it("from the server's text in an outcome's reasons: the SRC key and message, the AML records (services and data stay as sent)", async () => {
    const callerToken = "caller-session-token-0123456789";
    const echoed = `caller ${callerToken} ${echo}`;
    const src = { isValid: false, errorCode: 2, errorKey: echoed, errorMessage: echoed };
    const aml = { AML_matched: true, data: [{ caseNo: "1452", caseYear: 2019, fullName: echoed, aliases: [echoed], [echoed]: "keyed by the echo" }] };
    const { vlens } = clientWith([answers.front(), answers.back(), answers.liveness({ isDigitalIdentityVerified: false }, { SRC: src, AML: aml })], options);
    const outcome = await vlens.verifyIdentity({ idFront: IMAGE, idBack: FRONT, faces: FACES }, { headers: { Authorization: `Bearer ${callerToken}` } });
    expect(outcome.status).toBe("rejected");
    expect(outcome.reasons.map((reason) => reason.kind)).toEqual(["aml-match", "src-invalid"]);
    expectNoSecrets(outcome.reasons);
    for (const text of renderings(outcome.reasons)) expect(text).not.toContain(callerToken);
    // What is not a secret is kept: the record's case, the check's code, the words around the echo.
    const [amlMatch, srcInvalid] = outcome.reasons;
    expect(amlMatch).toMatchObject({ kind: "aml-match", records: [{ caseNo: "1452", caseYear: 2019, fullName: expect.stringContaining("[redacted]") }] });
    expect(srcInvalid).toMatchObject({
      kind: "src-invalid",
      errorCode: 2,
      errorKey: expect.stringMatching(/^caller \[redacted\] key \[redacted\]/),
      errorMessage: expect.stringMatching(/^caller \[redacted\] key/),
    });
    // An outcome is a result: its services are the answer's, as any result's data.
    expect(outcome.services?.AML).toEqual(aml);
  });

  it("from transport errors of every kind", async () => {
    const failures = [
      () => Promise.reject(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } })),
      () => new Promise<Response>(() => undefined),
      async () => new Response(`<html>${echo}</html>`, { status: 200, headers: { "Content-Type": "text/html" } }),
      async () => new Response(`<html>${echo}</html>`, { status: 502 }),
      async () => new Response(`{"data": "${echo}`, { status: 200 }),
    ];
    for (const fetch of failures) {
      const vlens = createVlensClient({ apiKey: API_KEY, fetch, timeoutMs: 20, ...options });
      const error = await failureOf(vlens.scanIdFront({ image: IMAGE, transactionId: TRANSACTION_ID }));
      expect(error.name).toBe("VlensTransportError");
      expectNoSecrets(error);
    }
  });

  it("from pre-flight errors and warnings", async () => {
    const { vlens } = clientWith([answers.liveness()], options);
    const inputs = [
      () => vlens.scanIdFront({ image: `${IMAGE}!` }),
      () => vlens.scanIdFront({ image: IMAGE + "A".repeat(4_194_304) }),
      () => vlens.checkLiveness({ faces: [IMAGE, IMAGE, FRONT], transactionId: TRANSACTION_ID }),
      () => vlens.checkLiveness({ faces: [IMAGE, FRONT, FACES[0]], transactionId: `${IMAGE}` }),
    ];
    for (const run of inputs) {
      const error = await failureOf(run());
      expect(error.name).toBe("VlensInputError");
      expectNoSecrets(error);
    }
    await vlens.checkLiveness({ faces: [imageBase64(5, 600 * 1024), FRONT, FACES[0]], transactionId: TRANSACTION_ID });
    expect(warnings).toHaveLength(1);
    expectNoSecrets(warnings);
  });

  it("from log lines", () => {
    expect(lines.length).toBeGreaterThan(5);
    expectNoSecrets(lines);
  });
});

describe("every credential the client holds or a request carries is a known secret", () => {
  const BUNDLE_KEY = "bndl-4f7a2c-SECRET-BUNDLE-KEY-e81d";
  let server: Awaited<ReturnType<typeof localServer>>;
  let answer: (request: Arrived, response: ServerResponse) => void;
  beforeAll(async () => {
    server = await localServer((request, response) => answer(request, response));
  });
  afterAll(() => server.close());

  /** Echoes every header value and the raw body in an error's text. */
  const echoAll = (request: Arrived, response: ServerResponse) => {
    const echo = `${request.rawHeaders.map(([, value]) => value).join(" ")} ${request.body}`;
    reply(response, { data: null, error_code: 400, error_message: echo, error_descriptions: [{ field: echo, message: echo }] }, 400);
  };

  it("the BundleKey, echoed in an error's text or named as a member of an answer", async () => {
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, bundleKey: BUNDLE_KEY });
    answer = echoAll;
    const refused = await failureOf(vlens.ocrIdFront({ image: FRONT }));
    expect(refused).toMatchObject({ name: "VlensApiError", status: 400 });
    // A key-only answer without transaction_id: its error lists the names of data's members.
    answer = (request, response) => reply(response, envelope({ [`echo ${headerOf(request, "BundleKey")}`]: 1 }, { services: { Validations: { validation_errors: [] } } }));
    const incomplete = await failureOf(vlens.ocrIdFront({ image: FRONT }));
    expect(incomplete.message).toContain("the answer's data has no transaction_id (it has echo [redacted])");
    // vlens.api: a BundleKey the caller sends as a header.
    answer = echoAll;
    const { error: raw } = await createVlensClient({ baseUrl: server.url, apiKey: API_KEY }).api.POST("/v1/ocr/id/front", {
      body: { image: FRONT, transaction_id: TRANSACTION_ID },
      headers: { BundleKey: BUNDLE_KEY },
    });
    expect(raw).toBeDefined();
    const broken = await failureOf(
      createVlensClient({ baseUrl: server.url, apiKey: API_KEY, fetch: () => Promise.reject(new TypeError(`fetch failed: BundleKey ${BUNDLE_KEY}`)) }).api.POST(
        "/v1/ocr/id/front",
        {
          body: { image: FRONT, transaction_id: TRANSACTION_ID },
          headers: { BundleKey: BUNDLE_KEY },
        },
      ),
    );
    for (const error of [refused, incomplete, broken]) {
      expect(error).toBeInstanceOf(VlensError);
      for (const text of renderings(error)) expect(text).not.toContain(BUNDLE_KEY);
    }
  });

  it("secrets that share characters are redacted whole: no tail of a password that starts like the API key, of a token that holds another", async () => {
    const password = `${API_KEY.slice(0, 12)}-tail-of-the-password`;
    const refreshToken = `${USER_TOKEN}.and-the-refresh-tail`;
    answer = echoAll;
    const vlens = createVlensClient({ baseUrl: server.url, apiKey: API_KEY, accessToken: USER_TOKEN, tenancyName: "acme" });
    const errors = [
      await failureOf(vlens.adminLogin({ userNameOrEmailAddress: "admin", password })),
      await failureOf(vlens.refreshToken({ refreshToken })),
      await failureOf(vlens.call("userLogin", { body: { phoneNumber: "+201001234567", imei: "device-1", password } })),
    ];
    // Cut short by the server: a secret's beginning, its end lost.
    answer = (request, response) => reply(response, { data: null, error_code: 400, error_message: `got ${request.body.slice(0, -12)}` }, 400);
    errors.push(await failureOf(vlens.adminLogin({ userNameOrEmailAddress: "admin", password })));
    for (const error of errors) {
      expect(error).toMatchObject({ name: "VlensApiError", status: 400 });
      for (const text of renderings(error)) {
        for (const tail of ["tail-of-the", "the-password", "and-the-refresh", "refresh-tail", API_KEY.slice(12)]) expect(text).not.toContain(tail);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Properties: generated secrets, a server that echoes them wherever an answer can carry text.

/** Every way a user may look at an error: its text, JSON and inspection, and each cause down the chain. */
function everyRendering(value: unknown): string[] {
  const texts: string[] = [];
  let current = value;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth += 1) {
    const error = current as Error;
    texts.push(String(current), String(error.message), String(error.stack), JSON.stringify(current) ?? "", inspect(current, { depth: Infinity, showHidden: true }));
    current = error.cause;
  }
  return texts;
}

/** The forms a secret takes in a rendering: as it is, as JSON escapes it, as inspect quotes it. */
const formsOf = (secret: string) => [...new Set([secret, JSON.stringify(secret).slice(1, -1), inspect(secret).slice(1, -1)])];

function leaks(value: unknown, secrets: Record<string, string>): string[] {
  const found: string[] = [];
  for (const text of everyRendering(value)) {
    for (const [name, secret] of Object.entries(secrets)) {
      if (formsOf(secret).some((form) => text.includes(form))) found.push(`${name} in ${JSON.stringify(text.slice(0, 300))}`);
    }
  }
  return found;
}

// Realistic shapes, with enough distinct characters that no rendering holds one by chance.
const distinct = (minimum: number) => (text: string) => new Set(text).size >= minimum;
const chars = (from: string) => fc.constantFrom(...from);
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const visibleAscii = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
const apiKey = fc.string({ unit: visibleAscii, minLength: 12, maxLength: 48 }).filter(distinct(8));
const segment = fc.string({ unit: chars(`${ALNUM}-_`), minLength: 8, maxLength: 30 });
const jwt = fc
  .tuple(segment, segment, segment)
  .map((parts) => parts.join("."))
  .filter(distinct(10));
const refreshToken = fc.string({ unit: chars(`${ALNUM}-_+/=`), minLength: 12, maxLength: 64 }).filter(distinct(8));
// Passwords go in JSON bodies: any printable character, quotes, backslashes, spaces, non-ASCII.
const password = fc.string({ unit: fc.oneof(visibleAscii, chars(` "\\'éß€漢😀`)), minLength: 8, maxLength: 32 }).filter(distinct(6));
const otp = fc.stringMatching(/^[1-9][0-9]{5,7}$/);
const image = fc.uint8Array({ minLength: 64, maxLength: 600 }).map((bytes) => Buffer.from([0xff, 0xd8, ...bytes]).toString("base64"));
// Half the passwords start like the API key (8 to 12 of its characters): what follows must not show either.
const secretsArbitrary = fc
  .record({
    apiKey,
    bundleKey: apiKey,
    userToken: jwt,
    adminToken: jwt,
    refreshToken,
    password,
    otp,
    sessionToken: jwt,
    image,
    sharedHead: fc.option(fc.integer({ min: 8, max: 12 })),
  })
  .map(
    ({ sharedHead, ...secrets }): Secrets =>
      sharedHead === null ? secrets : { ...secrets, password: `${secrets.apiKey.slice(0, sharedHead)}${secrets.password}`, passwordTail: secrets.password },
  );
type Secrets = {
  apiKey: string;
  bundleKey: string;
  userToken: string;
  adminToken: string;
  refreshToken: string;
  password: string;
  otp: string;
  sessionToken: string;
  image: string;
  passwordTail?: string;
};

/** What a request carried, as one text: every header value, the raw body and every string in it. */
function echoOf(request: Arrived): string {
  const strings: string[] = [];
  try {
    JSON.parse(request.body, (_key, value: unknown) => (typeof value === "string" && strings.push(value), value));
  } catch {
    // not JSON
  }
  return [...request.rawHeaders.map(([, value]) => value), request.body, ...strings].join(" | ");
}

type Echo = (request: Arrived, response: ServerResponse) => void;
/** Where a server puts what it echoes. */
const echoes: Record<string, Echo> = {
  "400 error_message and error_descriptions": (request, response) => {
    const echo = echoOf(request);
    reply(response, { data: null, error_code: 400, error_message: echo, error_descriptions: [{ field: echo, message: echo, code: 400 }] }, 400);
  },
  "200 with error_code, descriptions keyed by the echo": (request, response) => {
    const echo = echoOf(request);
    reply(response, { data: null, error_code: 3011, error_message: echo, error_descriptions: { [echo]: [echo, echo] } });
  },
  "401 with descriptions as a string": (request, response) => {
    const echo = echoOf(request);
    reply(response, { data: null, error_code: 401, error_message: echo, error_descriptions: echo }, 401);
  },
  "200 with validations and services": (request, response) => {
    const echo = echoOf(request);
    const services = {
      Validations: { validation_errors: [{ field: echo, value: echo, errors: [{ code: 3001, message: echo }] }] },
      validations: { validation_errors: [{ field: "idNumber", value: echo, errors: [] }] },
      spoofing: { fake: true, detail: echo },
      SRC: { isValid: false, errorMessage: echo, errorKey: echo },
      AML: { AML_matched: true, data: [{ name: echo }] },
      [echo]: echo,
    };
    reply(response, { data: { isVerificationProcessCompleted: false, isMatched: false, note: echo }, services, error_code: null, error_message: null, error_descriptions: null });
  },
  "500 with the raw body": (request, response) => reply(response, { data: null, error_code: 500, error_message: request.body, error_descriptions: [request.body] }, 500),
  "502 HTML page with the echo, the key in its content type": (request, response) => {
    const key = request.rawHeaders.find(([name]) => name.toLowerCase() === "apikey")?.[1] ?? "";
    reply(response, `<html>${echoOf(request)}</html>`, 502, { "Content-Type": `text/html; key=${key}` });
  },
  "200 JSON cut short after the echo": (request, response) => reply(response, `{"data":${JSON.stringify(echoOf(request))}`),
  "200 that is not JSON, echoing": (request, response) =>
    reply(response, `not json: ${echoOf(request)}`, 200, {
      "Content-Type": `text/plain; key=${request.rawHeaders
        .map(([, value]) => value)
        .filter((value) => /^[\x21-\x7e]*$/.test(value))
        .join(";")}`,
    }),
};

/** The paths a user has, each sending some of the secrets. `headers` are the caller's own (a session token, sometimes its own Authorization). */
const paths: Record<string, (vlens: VlensClient, secrets: Secrets, headers: Record<string, string>) => Promise<unknown>> = {
  adminLogin: (vlens, { password }, headers) => vlens.adminLogin({ userNameOrEmailAddress: "admin", password, tenancyName: "acme" }, { headers }),
  userLogin: (vlens, { password, otp }, headers) =>
    vlens.userLogin(
      { phoneNumber: "+201001234567", imei: "device-1", password, phoneNumberOtp: otp, phoneNumberOtpRequestId: "0c8f6a52-3d1e-4b7a-9f20-5e6d7c8b9a01" },
      { headers },
    ),
  registerStepVerifyPhone: (vlens, { otp }, headers) =>
    vlens.registerStepVerifyPhone({ phoneNumber: "+201001234567", phoneNumberOtpRequestId: "0c8f6a52-3d1e-4b7a-9f20-5e6d7c8b9a01", phoneNumberOtp: otp }, { headers }),
  register: (vlens, { password, otp }, headers) => vlens.register({ phoneNumber: "+201001234567", password, phoneNumberOtp: otp, emailOtp: otp }, { headers }),
  refreshToken: (vlens, { refreshToken }, headers) => vlens.refreshToken({ refreshToken }, { headers }),
  "call(userLogin)": (vlens, { password, otp }, headers) =>
    vlens.call("userLogin", { body: { phoneNumber: "+201001234567", imei: "device-1", password, phoneNumberOtp: otp }, headers }),
  getUserDigitalIdentityImages: (vlens, _secrets, headers) => vlens.getUserDigitalIdentityImages({ emailOrPhoneNumber: "+201001234567" }, { headers }),
  scanIdFront: (vlens, { image }, headers) => vlens.scanIdFront({ image }, { headers }),
  checkLiveness: (vlens, { image }, headers) => vlens.checkLiveness({ faces: [image, FACES[1], FACES[2]], transactionId: TRANSACTION_ID }, { headers }),
  linkTransaction: (vlens, _secrets, headers) => vlens.linkTransaction({ transactionId: TRANSACTION_ID }, { headers }),
  verifyIdentity: (vlens, { image }, headers) => vlens.verifyIdentity({ idFront: image, idBack: FRONT, faces: FACES }, { headers }),
  captureBeforeLogin: (vlens, { image }, headers) => vlens.captureBeforeLogin({ idFront: image, idBack: FRONT, faces: FACES }, { headers }),
  ocrIdFront: (vlens, { image }, headers) => vlens.ocrIdFront({ image }, { headers }),
  "vlens.api.POST login": (vlens, { password }, headers) =>
    vlens.api.POST("/api/credentials/Login", { params: { header: { TenancyName: "acme" } }, body: { tenancyName: "acme", userNameOrEmailAddress: "admin", password }, headers }),
  "vlens.api.POST front": (vlens, { image }, headers) =>
    vlens.api.POST("/api/DigitalIdentity/verify/id/front", { body: { image, transaction_id: TRANSACTION_ID, getExtractedData: true }, headers }),
};

/** Runs one path and returns the errors a user could look at: the one thrown, or a rejected outcome's. */
async function observe(run: () => Promise<unknown>): Promise<unknown[]> {
  try {
    // vlens.api resolves with the server's error body as `error`: an answer, not an error of the client.
    const result = (await run()) as { error?: unknown } | undefined;
    return result?.error instanceof Error ? [result.error] : [];
  } catch (error) {
    expect(error, String(error)).toBeInstanceOf(VlensError);
    return [error];
  }
}

describe("no generated secret in any error, whatever the server echoes", () => {
  let server: Awaited<ReturnType<typeof localServer>>;
  let echo: Echo = echoes["400 error_message and error_descriptions"]!;
  beforeAll(async () => {
    server = await localServer((request, response) => echo(request, response));
  });
  afterAll(() => server.close());

  it("on every path, with every echo", async () => {
    await fc.assert(
      fc.asyncProperty(
        secretsArbitrary,
        fc.constantFrom(...Object.keys(echoes)),
        fc.constantFrom(...Object.keys(paths)),
        fc.constantFrom("none", "session token", "own authorization"),
        fc.constantFrom("string", "function"),
        async (secrets, echoName, pathName, callerHeaders, tokenMode) => {
          echo = echoes[echoName]!;
          const lines: string[] = [];
          const vlens: VlensClient = createVlensClient({
            baseUrl: server.url,
            apiKey: secrets.apiKey,
            bundleKey: secrets.bundleKey,
            tenancyName: "acme",
            accessToken: tokenMode === "string" ? secrets.userToken : ({ token }) => (token === "admin" ? secrets.adminToken : secrets.userToken),
            // Renews through the client itself: the refresh token travels in a body, and may be echoed too.
            refreshAccessToken: async () => (await vlens.refreshToken({ refreshToken: secrets.refreshToken })).accessToken ?? "",
            log: (line) => lines.push(line),
            onWarning: () => undefined,
            requestId: () => "request-id",
          });
          const headers: Record<string, string> =
            callerHeaders === "none" ? {} : callerHeaders === "session token" ? { "X-Session-Token": secrets.sessionToken } : { Authorization: `Bearer ${secrets.sessionToken}` };
          const seen = await observe(() => paths[pathName]!(vlens, secrets, headers));
          const found = [...seen, lines].flatMap((item) => leaks(item, secrets));
          expect(found, `${pathName} with ${echoName}`).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("no generated secret in errors raised before or instead of an answer", () => {
  it("a custom fetch that throws, quoting the whole request", async () => {
    await fc.assert(
      fc.asyncProperty(secretsArbitrary, fc.constantFrom(...Object.keys(paths)), fc.boolean(), async (secrets, pathName, nested) => {
        const lines: string[] = [];
        const quoting = async (input: string | Request, init?: RequestInit) => {
          const request = typeof input === "string" ? new Request(input, init) : input;
          const text = `${request.method} ${request.url} ${JSON.stringify([...request.headers])} ${await request.clone().text()}`;
          const error = new TypeError(`fetch failed: ${text}`);
          throw nested ? new TypeError("fetch failed", { cause: Object.assign(new Error(text), { code: text.slice(0, 200) }) }) : error;
        };
        const vlens = createVlensClient({
          baseUrl: "http://vlens.test",
          apiKey: secrets.apiKey,
          accessToken: secrets.userToken,
          fetch: quoting,
          log: (line) => lines.push(line),
          onWarning: () => undefined,
        });
        const seen = await observe(() => paths[pathName]!(vlens, secrets, { "X-Session-Token": secrets.sessionToken }));
        expect(seen).toHaveLength(1);
        expect([...seen, lines].flatMap((item) => leaks(item, secrets))).toEqual([]);
      }),
      { numRuns: 120 },
    );
  });

  // Each breaks one secret with a character no header can carry; the error names the option or header only.
  const breakers = fc.constantFrom("\n", "\r\n", "\u0000", "é", "€", "😀", " ");
  it("a key, a token or a header value fetch would refuse", async () => {
    await fc.assert(
      fc.asyncProperty(
        secretsArbitrary,
        breakers,
        fc.nat(10),
        fc.constantFrom("apiKey", "accessToken", "token function", "caller header", "refreshed token"),
        fc.constantFrom(...Object.keys(paths)),
        async (secrets, breaker, at, where, pathName) => {
          const broken = (secret: string) => (breaker === " " ? `${secret} ` : `${secret.slice(0, at)}${breaker}${secret.slice(at)}`);
          const sent: string[] = [];
          const answering = async (input: string | Request) => {
            sent.push(String(input));
            return json(envelope(null, { error_code: 401, error_message: "expired" }), 401);
          };
          const lines: string[] = [];
          const make = () =>
            createVlensClient({
              baseUrl: "http://vlens.test",
              fetch: answering,
              log: (line) => lines.push(line),
              onWarning: () => undefined,
              apiKey: where === "apiKey" ? broken(secrets.apiKey) : secrets.apiKey,
              accessToken: where === "accessToken" ? broken(secrets.userToken) : where === "token function" ? async () => broken(secrets.userToken) : secrets.userToken,
              refreshAccessToken: () => (where === "refreshed token" ? broken(secrets.refreshToken) : secrets.refreshToken),
            });
          const headers: Record<string, string> = where === "caller header" ? { Authorization: `Bearer ${broken(secrets.sessionToken)}` } : {};
          let vlens: VlensClient;
          try {
            vlens = make();
          } catch (error) {
            expect(where).toBe(where === "apiKey" || where === "accessToken" ? where : "a client created");
            expect(error).toMatchObject({ name: "VlensInputError", field: where });
            expect(leaks(error, secrets)).toEqual([]);
            return;
          }
          const seen = await observe(() => paths[pathName]!(vlens, secrets, headers));
          expect([...seen, lines].flatMap((item) => leaks(item, secrets))).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("a header value the runtime refuses, set by middleware after the client's checks", async () => {
    await fc.assert(
      fc.asyncProperty(secretsArbitrary, fc.constantFrom("\n", "\r\n", "\u0000", "€"), async (secrets, breaker) => {
        const { vlens, sent } = clientWith([json(envelope({}))], { apiKey: secrets.apiKey, accessToken: secrets.userToken });
        vlens.api.use({
          onRequest({ request }: { request: Request }) {
            // fetch's Headers throws, quoting the value: "Headers.set: "<value>" is an invalid header value."
            request.headers.set("X-Session-Token", `${secrets.sessionToken}${breaker}${secrets.password.replace(/[^\x21-\x7e]/g, "")}`);
          },
        });
        const error = await failureOf(vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" } }));
        expect(error).toBeInstanceOf(VlensError);
        expect(sent).toHaveLength(0);
        expect(leaks(error, { sessionToken: secrets.sessionToken })).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it("a token function that throws, quoting the secrets", async () => {
    await fc.assert(
      fc.asyncProperty(secretsArbitrary, fc.constantFrom("accessToken", "refreshAccessToken"), fc.constantFrom(...Object.keys(paths)), async (secrets, which, pathName) => {
        const quote = () => new Error(`no token for key ${secrets.apiKey}, user ${secrets.userToken}, refresh ${secrets.refreshToken}`);
        const { fetch } = { fetch: async () => json(envelope(null, { error_code: 401, error_message: "expired" }), 401) };
        const vlens = createVlensClient({
          baseUrl: "http://vlens.test",
          apiKey: secrets.apiKey,
          fetch,
          accessToken:
            which === "accessToken"
              ? () => {
                  throw quote();
                }
              : secrets.userToken,
          refreshAccessToken: async () => {
            throw quote();
          },
        });
        const seen = await observe(() => paths[pathName]!(vlens, { ...secrets }, {}));
        // The secrets the client was given; a token the function never returned is not one of them.
        const given: Record<string, string> = which === "accessToken" ? { apiKey: secrets.apiKey } : { apiKey: secrets.apiKey, userToken: secrets.userToken };
        expect(seen.flatMap((item) => leaks(item, given))).toEqual([]);
      }),
      { numRuns: 80 },
    );
  });
});

describe("a body that cannot be sent as JSON", () => {
  it("a circular body holding a password (used as a key too) shows it nowhere, through call and vlens.api", async () => {
    const password = "hunter2-pw-S3CRET";
    const { vlens, sent } = clientWith([json(envelope({}))]);
    const body: Record<string, unknown> = { phoneNumber: "+201000000000", password };
    body[password] = body;
    const errors = [await failureOf(vlens.call("register", { body: body as never })), await failureOf(vlens.api.POST("/api/DigitalIdentity/Register", { body: body as never }))];
    for (const error of errors) {
      expect(error).toBeInstanceOf(VlensError);
      expect(error).toMatchObject({ name: "VlensInputError", code: "invalid-request" });
      expect(error.message).toContain("circular");
      for (const text of renderings(error)) expect(text).not.toContain(password);
    }
    expect(sent).toHaveLength(0);
  });
});
