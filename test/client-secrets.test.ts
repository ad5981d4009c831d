// No API key, bearer token or image bytes in any message, toString, JSON form, inspection or log
// line, not even when the server echoes them back.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createVlensClient, type VerificationOutcome } from "../src/index.js";
import { ADMIN_TOKEN, API_KEY, answers, clientWith, envelope, FACES, failureOf, FRONT, imageBase64, json, TRANSACTION_ID, USER_TOKEN } from "./client-helpers.js";

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

  it("from transport errors of every kind", async () => {
    const failures = [
      () => Promise.reject(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNRESET" } })),
      () => new Promise<Response>(() => undefined),
      async () => new Response(`<html>${echo}</html>`, { status: 200, headers: { "Content-Type": "text/html" } }),
      async () => new Response(`<html>${echo}</html>`, { status: 502 }),
      async () => new Response(`{"data": "${echo}`, { status: 200 }),
    ];
    for (const fetch of failures) {
      const vlens = createVlensClient({ apiKey: API_KEY, accessToken: USER_TOKEN, fetch, timeoutMs: 20, ...options });
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
