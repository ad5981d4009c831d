// The client in a real browser: esbuild bundles src/ for the browser (a Node-only import would fail
// the build), and Chromium runs the bundle against the mock, a sandbox, over HTTP (CORS included).
import { build } from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMock } from "../mocks/index.js";
import { localServer, reply } from "./client-helpers.js";

const ROOT = new URL("..", import.meta.url).pathname;
let browser: Browser;
let mock: Awaited<ReturnType<typeof startMock>>;
let bundle: string;
let inputs: string[];

beforeAll(async () => {
  const result = await build({
    entryPoints: [`${ROOT}src/index.ts`],
    bundle: true,
    format: "iife",
    globalName: "Vlens",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  bundle = result.outputFiles[0]!.text;
  inputs = Object.keys(result.metafile.inputs);
  mock = await startMock({ port: 0 });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless", "--disable-gpu"] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await mock?.stop();
});

describe("in Chromium", () => {
  it("bundles for the browser from the client, the generated code and openapi-fetch only", () => {
    const outside = inputs.filter((input) => !/^(src|generated)\/|^node_modules\/openapi-fetch\//.test(input));
    expect(outside).toEqual([]);
  });

  it("verifies against the mock, reports a rejection with its catalogue entry, and runs vlens.api", async () => {
    // The app under test, as a dev server serves it: another origin than the mock's, on loopback (whose
    // pages the sandbox's control API answers by default).
    const app = await localServer((_request, response) => reply(response, "<!doctype html><title>app under test</title>", 200, { "Content-Type": "text/html" }));
    const page = await browser.newPage();
    try {
      await page.goto(app.url);
      await page.addScriptTag({ content: bundle });
      const result = await page.evaluate(async (baseUrl) => {
        const { createVlensClient, VlensApiError } = (globalThis as unknown as { Vlens: typeof import("../src/index.js") }).Vlens;
        const vlens = createVlensClient({ baseUrl, apiKey: "browser-key", accessToken: async () => "header.payload.signature" });
        const jpeg = (seed: number) => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, seed, seed + 1, seed + 2, seed + 3]);
        const input = { idFront: new Blob([jpeg(1)]), idBack: jpeg(2), faces: [jpeg(3), new Blob([jpeg(4)]).arrayBuffer(), jpeg(5)] as const };
        const faces = [input.faces[0], await input.faces[1], input.faces[2]] as const;
        const verified = await vlens.verifyIdentity({ ...input, faces });
        // The sandbox keeps the transaction the client started: the page can ask it (CORS included).
        const kept = await fetch(`${baseUrl}/__vlens/transactions/${verified.transactionId}`, { headers: { ApiKey: "browser-key" } }).then((response) => response.json());
        const rejected = await vlens.verifyIdentity({ ...input, faces }, { scenarios: { front: "cardNotDetected" } });
        let error: unknown;
        try {
          await vlens.scanIdFront({ image: jpeg(9) }, { scenario: { code: 500, example: "internalError" } });
        } catch (caught) {
          error = caught;
        }
        const raw = await vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" } });
        return {
          verified: verified.status,
          transactionId: verified.transactionId,
          kept: { id: kept.id, state: kept.outcome.state, steps: kept.steps.length },
          rejected: rejected.status === "rejected" ? { step: rejected.step, code: rejected.errorCode, userMessage: rejected.error?.entry?.userMessage } : null,
          error: error instanceof VlensApiError ? { status: error.status, retryable: error.entry?.retryable } : String(error),
          raw: raw.data?.data,
        };
      }, mock.url);
      expect(result).toEqual({
        verified: "verified",
        transactionId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        kept: { id: result.transactionId, state: "verified", steps: 3 },
        rejected: { step: "front", code: 3011, userMessage: "Error, Please make sure the document is in a good lighting condition and well focused." },
        error: { status: 500, retryable: true },
        raw: { exists: false },
      });
    } finally {
      await page.close();
      await app.close();
    }
  });

  it("never follows a redirect to another origin: it gets nothing, the error says the browser hides the target", async () => {
    // Both servers let any page call them (CORS), so only the client keeps the request from the second.
    const cors = { "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*, Authorization", "Access-Control-Allow-Methods": "*" };
    const elsewhere = await localServer((request, response) =>
      request.method === "OPTIONS" ? reply(response, "", 204, cors) : reply(response, { data: { exists: true } }, 200, cors),
    );
    const redirecting = await localServer((request, response) =>
      request.method === "OPTIONS" ? reply(response, "", 204, cors) : reply(response, "", 307, { ...cors, Location: `${elsewhere.url}/steal` }),
    );
    const page = await browser.newPage();
    try {
      await page.addScriptTag({ content: bundle });
      const errors = await page.evaluate(async (baseUrl) => {
        const { createVlensClient } = (globalThis as unknown as { Vlens: typeof import("../src/index.js") }).Vlens;
        const vlens = createVlensClient({ baseUrl, apiKey: "browser-key-0123456789", accessToken: "header.payload.signature" });
        const seen: unknown[] = [];
        for (const send of [
          () => vlens.userLogin({ phoneNumber: "+201001234567", imei: "device-1", password: "browser-password-1" }),
          () => vlens.api.POST("/api/DigitalIdentity/CheckExistenceOfEmailOrPhone", { body: { email: "a@example.com" } }),
        ]) {
          try {
            seen.push(await send());
          } catch (error) {
            const { name, kind, message } = error as { name: string; kind: string; message: string };
            seen.push({ name, kind, message });
          }
        }
        return seen;
      }, redirecting.url);
      for (const error of errors) {
        expect(error).toMatchObject({
          name: "VlensTransportError",
          kind: "redirect",
          message: expect.stringContaining("the answer is a redirect, never followed (its target hidden by the browser)"),
        });
      }
      expect(redirecting.arrived.filter((request) => request.method !== "OPTIONS")).toHaveLength(2);
      expect(elsewhere.arrived).toEqual([]);
    } finally {
      await page.close();
      await redirecting.close();
      await elsewhere.close();
    }
  });
});
