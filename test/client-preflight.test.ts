// Pre-flight checks: each bad input gets its own clear VlensInputError, and nothing is sent.
import { inspect } from "node:util";
import { describe, expect, it, vi } from "vitest";
import { createVlensClient, VlensInputError } from "../src/index.js";
import { answers, API_KEY, BACK, clientWith, envelope, FACES, failureOf, FRONT, imageBase64, json, TRANSACTION_ID, USER_TOKEN } from "./client-helpers.js";

const ceilingChars = 4_194_304; // components.schemas.Base64Image.maxLength
const ceilingBytes = (ceilingChars / 4) * 3;

async function refused(run: (vlens: ReturnType<typeof clientWith>["vlens"]) => Promise<unknown>, options = {}) {
  const { vlens, sent } = clientWith([answers.front(), answers.back(), answers.liveness()], options);
  const error = await failureOf(run(vlens));
  expect(sent).toHaveLength(0);
  expect(error).toBeInstanceOf(VlensInputError);
  return error as VlensInputError;
}

describe("images", () => {
  it.each([
    ["an empty string", ""],
    ["a data: URL without data", "data:image/jpeg;base64,"],
    ["empty bytes", new Uint8Array(0)],
    ["an empty ArrayBuffer", new ArrayBuffer(0)],
    ["an empty Blob", new Blob([])],
  ])("refuses %s", async (_case, image) => {
    const error = await refused((vlens) => vlens.scanIdFront({ image }));
    expect(error).toMatchObject({ code: "image-empty", field: "image" });
    expect(error.message).toBe("image: the image is empty");
  });

  it.each([
    ["text that is not base64", "this is not an image!"],
    ["base64url", "ab-_cd-_"],
    ["unpadded base64", "abcde"],
    ["padding in the middle", "ab==cdef"],
  ])("refuses %s", async (_case, image) => {
    const error = await refused((vlens) => vlens.scanIdFront({ image }));
    expect(error).toMatchObject({ code: "image-not-base64", field: "image" });
  });

  it("refuses something that is not an image at all", async () => {
    const error = await refused((vlens) => vlens.scanIdFront({ image: 42 as never }));
    expect(error).toMatchObject({ code: "invalid-image", field: "image" });
  });

  it.each([
    ["base64 text", () => "A".repeat(ceilingChars + 4)],
    ["bytes", () => new Uint8Array(ceilingBytes + 1)],
    ["a Blob", () => new Blob([new Uint8Array(ceilingBytes + 1)])],
  ])("refuses %s over the 3 MB ceiling of the description", async (_case, image) => {
    const error = await refused((vlens) => vlens.scanIdFront({ image: image() }));
    expect(error).toMatchObject({ code: "image-too-large", field: "image" });
    expect(error.message).toContain("at most 3.00 MB (4194304 base64 characters)");
  });

  it("sends an image of exactly the ceiling", async () => {
    const { vlens, sent } = clientWith([answers.front()]);
    await vlens.scanIdFront({ image: new Uint8Array(ceilingBytes) });
    expect((sent[0]!.body as { image: string }).image).toHaveLength(ceilingChars);
  });

  it("strips line breaks from base64 text", async () => {
    const { vlens, sent } = clientWith([answers.front()]);
    await vlens.scanIdFront({ image: `${FRONT.slice(0, 40)}\r\n${FRONT.slice(40)}\n` });
    expect((sent[0]!.body as { image: string }).image).toBe(FRONT);
  });

  it.each(["verifyIdentity", "captureBeforeLogin"] as const)("names the image at fault in %s, and sends nothing when any check fails", async (flow) => {
    const error = await refused((vlens) => vlens[flow]({ idFront: FRONT, idBack: "%%%", faces: FACES }));
    expect(error).toMatchObject({ code: "image-not-base64", field: "idBack" });
    const late = await refused((vlens) => vlens[flow]({ idFront: FRONT, idBack: BACK, faces: [FACES[0], FACES[1], ""] }));
    expect(late).toMatchObject({ code: "image-empty", field: "faces[2]" });
    const large = await refused((vlens) => vlens[flow]({ idFront: new Uint8Array(ceilingBytes + 1), idBack: BACK, faces: FACES }));
    expect(large).toMatchObject({ code: "image-too-large", field: "idFront" });
  });

  it("runs the same checks on the key-only step methods as on the logged-in ones", async () => {
    expect(await refused((vlens) => vlens.ocrIdFront({ image: "" }))).toMatchObject({ code: "image-empty", field: "image" });
    expect(await refused((vlens) => vlens.ocrIdBack({ image: "abcde", transactionId: TRANSACTION_ID }))).toMatchObject({ code: "image-not-base64", field: "image" });
    expect(await refused((vlens) => vlens.ocrIdBack({ image: BACK } as never))).toMatchObject({ code: "missing-option", field: "transactionId" });
    expect(await refused((vlens) => vlens.ocrLiveness({ faces: [FACES[0], FACES[0], FACES[2]], transactionId: TRANSACTION_ID }))).toMatchObject({
      code: "faces-identical",
      field: "faces[1]",
    });
  });
});

type Client = ReturnType<typeof clientWith>["vlens"];

describe("faces", () => {
  const big = imageBase64(9, 600 * 1024);

  it.each([
    ["checkLiveness", (vlens: Client, faces: never) => vlens.checkLiveness({ faces, transactionId: TRANSACTION_ID })],
    ["ocrLiveness", (vlens: Client, faces: never) => vlens.ocrLiveness({ faces, transactionId: TRANSACTION_ID })],
    ["captureBeforeLogin", (vlens: Client, faces: never) => vlens.captureBeforeLogin({ idFront: FRONT, idBack: BACK, faces })],
  ] as const)("%s refuses faces captured too far apart, identical, or over 500 KB in strict mode, before sending anything", async (_method, run) => {
    const at = (image: string, capturedAt: number) => ({ image, capturedAt });
    expect(await refused((vlens) => run(vlens, [at(FACES[0], 0), at(FACES[1], 100), at(FACES[2], 501)] as never))).toMatchObject({ code: "faces-too-far-apart" });
    expect(await refused((vlens) => run(vlens, [FACES[0], FACES[1], FACES[1]] as never))).toMatchObject({ code: "faces-identical", field: "faces[2]" });
    expect(await refused((vlens) => run(vlens, [big, FACES[1], FACES[2]] as never), { strict: true })).toMatchObject({ code: "face-too-large", field: "faces[0]" });
  });

  it("warns about a face over 500 KB through the hook, and still sends it", async () => {
    const onWarning = vi.fn();
    const { vlens, sent } = clientWith([answers.liveness()], { onWarning });
    await vlens.checkLiveness({ faces: [FACES[0], big, FACES[2]], transactionId: TRANSACTION_ID });
    expect(onWarning).toHaveBeenCalledExactlyOnceWith({
      code: "face-over-500kb",
      field: "faces[1]",
      bytes: 600 * 1024,
      message: "faces[1]: the face is 600 KB; Vlens advises under 500 KB per face",
    });
    expect(sent).toHaveLength(1);
  });

  it("refuses a face over 500 KB in strict mode", async () => {
    const error = await refused((vlens) => vlens.checkLiveness({ faces: [big, FACES[1], FACES[2]], transactionId: TRANSACTION_ID }), { strict: true });
    expect(error).toMatchObject({ code: "face-too-large", field: "faces[0]" });
    expect(error.message).toBe("faces[0]: the face is 600 KB; Vlens advises under 500 KB per face");
  });

  it("refuses two identical faces, whatever form they come in", async () => {
    const bytes = new Uint8Array(Buffer.from(FACES[0], "base64"));
    const error = await refused((vlens) => vlens.checkLiveness({ faces: [FACES[0], FACES[1], bytes], transactionId: TRANSACTION_ID }));
    expect(error).toMatchObject({ code: "faces-identical", field: "faces[2]" });
    expect(error.message).toContain("identical to faces[0]");
  });

  it("refuses faces captured more than 500 ms apart", async () => {
    const at = (image: string, capturedAt: number | Date) => ({ image, capturedAt });
    const error = await refused((vlens) =>
      vlens.checkLiveness({ faces: [at(FACES[0], 1_000), at(FACES[1], 1_200), at(FACES[2], new Date(1_501))], transactionId: TRANSACTION_ID }),
    );
    expect(error).toMatchObject({ code: "faces-too-far-apart", field: "faces" });
    expect(error.message).toContain("501 ms apart");
  });

  it("sends faces captured within 500 ms", async () => {
    const { vlens, sent } = clientWith([answers.liveness()]);
    const faces = [
      { image: FACES[0], capturedAt: new Date(1_000) },
      { image: FACES[1], capturedAt: 1_250 },
      { image: FACES[2], capturedAt: 1_500 },
    ] as const;
    await vlens.checkLiveness({ faces, transactionId: TRANSACTION_ID });
    expect(sent[0]!.body).toMatchObject({ face_1: FACES[0], face_2: FACES[1], face_3: FACES[2] });
  });

  it("needs exactly three faces", async () => {
    const error = await refused((vlens) => vlens.checkLiveness({ faces: [FACES[0], FACES[1]] as never, transactionId: TRANSACTION_ID }));
    expect(error).toMatchObject({ code: "invalid-image", field: "faces" });
  });
});

describe("ids and options", () => {
  it.each(["not-a-uuid", "81f404b3d7dc4f08b4fe934853c86282", "{81f404b3-d7dc-4f08-b4fe-934853c86282}"])("refuses the transaction id %j", async (transactionId) => {
    const error = await refused((vlens) => vlens.checkLiveness({ faces: FACES, transactionId }));
    expect(error).toMatchObject({ code: "invalid-transaction-id", field: "transactionId" });
    expect(error.message).toContain("any letter case");
  });

  it("refuses an empty transaction id", async () => {
    expect(await refused((vlens) => vlens.checkLiveness({ faces: FACES, transactionId: "" }))).toMatchObject({ code: "invalid-option", field: "transactionId" });
  });

  const upper = "81F404B3-D7DC-4F08-B4FE-934853C86282";
  const mixed = "81f404b3-D7DC-4f08-B4FE-934853c86282";
  it.each([
    ["scanIdFront", (vlens: Client) => vlens.scanIdFront({ image: FRONT, transactionId: upper }), "transaction_id", upper],
    ["scanIdBack", (vlens: Client) => vlens.scanIdBack({ image: BACK, transactionId: mixed }), "transaction_id", mixed],
    ["checkLiveness", (vlens: Client) => vlens.checkLiveness({ faces: FACES, transactionId: upper }), "transaction_id", upper],
    ["linkTransaction", (vlens: Client) => vlens.linkTransaction({ transactionId: upper }), "transactionId", upper],
    ["verifyIdentity", (vlens: Client) => vlens.verifyIdentity({ idFront: FRONT, idBack: BACK, faces: FACES, transactionId: upper }), "transaction_id", upper],
    ["ocrIdFront", (vlens: Client) => vlens.ocrIdFront({ image: FRONT, transactionId: upper }), "transaction_id", upper],
    ["ocrIdBack", (vlens: Client) => vlens.ocrIdBack({ image: BACK, transactionId: mixed }), "transaction_id", mixed],
    ["ocrLiveness", (vlens: Client) => vlens.ocrLiveness({ faces: FACES, transactionId: upper }), "transaction_id", upper],
    ["captureBeforeLogin", (vlens: Client) => vlens.captureBeforeLogin({ idFront: FRONT, idBack: BACK, faces: FACES, transactionId: upper }), "transaction_id", upper],
  ] as const)("%s accepts a transaction id in any letter case and sends it as given", async (_method, run, field, id) => {
    // Answers that only echo the id sent (a /v1 ID answer must carry one), so the one sent is the one that counts.
    const echo = (request: { body: unknown }) =>
      json(
        envelope(
          { isVerificationProcessCompleted: true, isDigitalIdentityVerified: true, transaction_id: (request.body as { transaction_id?: unknown }).transaction_id },
          { services: {} },
        ),
      );
    const { vlens, sent } = clientWith([echo]);
    await run(vlens);
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) expect((request.body as Record<string, unknown>)[field]).toBe(id);
  });

  it.each([
    [{}, "missing-option", "apiKey"],
    [{ apiKey: "" }, "invalid-option", "apiKey"],
    [{ apiKey: API_KEY, baseUrl: "api.vlenseg.com" }, "invalid-option", "baseUrl"],
    [{ apiKey: API_KEY, timeoutMs: 0 }, "invalid-option", "timeoutMs"],
    [{ apiKey: API_KEY, fetch: "fetch" }, "invalid-option", "fetch"],
    [{ apiKey: API_KEY, accessToken: 42 }, "invalid-option", "accessToken"],
    [{ apiKey: API_KEY, accessToken: "" }, "invalid-option", "accessToken"],
    [{ apiKey: API_KEY, refreshAccessToken: "token" }, "invalid-option", "refreshAccessToken"],
    [{ apiKey: API_KEY, bundleKey: "" }, "invalid-option", "bundleKey"],
  ])("createVlensClient(%j) throws a clear error", (options, code, field) => {
    let error: unknown;
    try {
      createVlensClient(options as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(VlensInputError);
    expect(error).toMatchObject({ code, field });
  });

  it.each(["http://u5er:s3cretPass@127.0.0.1:9", "https://u5er@api.test/vlens", "HTTP://:s3cretPass@api.test", "http://u5er:s3cretPass@api.test?x=1"])(
    "refuses a base URL with user info (%s) when the client is created, naming baseUrl and not showing the value",
    (baseUrl) => {
      let error: any;
      try {
        createVlensClient({ apiKey: API_KEY, baseUrl });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(VlensInputError);
      expect(error).toMatchObject({ code: "invalid-option", field: "baseUrl" });
      const shown = [error.message, String(error), JSON.stringify(error), inspect(error, { depth: 9, showHidden: true })].join("\n");
      for (const part of ["u5er", "s3cretPass", "api.test", "127.0.0.1"]) expect(shown).not.toContain(part);
    },
  );

  it("accepts an @ in the path of a base URL", () => {
    expect(() => createVlensClient({ apiKey: API_KEY, baseUrl: "http://app.test/@vlens" })).not.toThrow();
  });

  it("keeps the path of a base URL (a proxy in front of Vlens)", async () => {
    const sent: string[] = [];
    const vlens = createVlensClient({
      apiKey: API_KEY,
      accessToken: USER_TOKEN,
      baseUrl: "http://app.test/vlens-proxy",
      fetch: async (url, init) => {
        const request = new Request(url, init);
        sent.push(`${new URL(request.url).pathname} ${request.headers.get("authorization")}`);
        return answers.front();
      },
    });
    await vlens.scanIdFront({ image: FRONT });
    expect(sent).toEqual([`/vlens-proxy/api/DigitalIdentity/verify/id/front Bearer ${USER_TOKEN}`]);
  });
});
