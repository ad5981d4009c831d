// Shared by the client's unit tests: an injected fetch that records what the client sent and
// answers what the test says, a real local HTTP server that records what arrived on the wire, and
// small images. Secrets are distinctive so leak checks can grep.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createVlensClient, type VlensClientOptions } from "../src/index.js";

export const API_KEY = "key-5b1f0c7e-SECRET-APIKEY-9d2a";
export const USER_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLXNlY3JldCJ9.USERTOKENSECRETSIGNATUREabcdef0123456789";
export const ADMIN_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbi1zZWNyZXQifQ.ADMINTOKENSECRETSIGNATUREabcdef012345678";
export const TRANSACTION_ID = "81f404b3-d7dc-4f08-b4fe-934853c86282";

/** Base64 of `size` bytes that start with `seed` (distinct seeds give distinct images). */
export function imageBase64(seed: number, size = 64): string {
  const bytes = new Uint8Array(size);
  for (let index = 0; index < size; index += 1) bytes[index] = (seed * 31 + index * 7) % 256;
  bytes[0] = 0xff;
  bytes[1] = 0xd8;
  bytes[2] = seed % 256;
  return Buffer.from(bytes).toString("base64");
}

export const FRONT = imageBase64(1);
export const BACK = imageBase64(2);
export const FACES = [imageBase64(3), imageBase64(4), imageBase64(5)] as const;

export interface SentRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

export type Answer = Response | ((request: SentRequest, index: number) => Response | Promise<Response>);

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

/** An envelope as the API sends it. */
export function envelope(data: unknown, extra: Record<string, unknown> = {}) {
  return { data, error_code: null, error_message: null, error_descriptions: null, ...extra };
}

/** A fetch that records each request and answers from `answers` in turn (the last one repeats). */
export function recordingFetch(...answers: Answer[]) {
  const sent: SentRequest[] = [];
  const fetch = async (target: string | Request, init?: RequestInit): Promise<Response> => {
    // Called like globalThis.fetch: a URL and an init (the client's calls) or a Request (vlens.api).
    const input = typeof target === "string" ? new Request(target, init) : target;
    const url = new URL(input.url);
    const text = input.body ? await input.text() : "";
    const request: SentRequest = {
      method: input.method,
      path: url.pathname,
      query: url.searchParams,
      headers: Object.fromEntries(input.headers),
      body: text ? JSON.parse(text) : undefined,
    };
    sent.push(request);
    const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
    return typeof answer === "function" ? answer(request, sent.length - 1) : answer.clone();
  };
  return { fetch, sent };
}

export function clientWith(answers: Answer[], options: Partial<VlensClientOptions> = {}) {
  const { fetch, sent } = recordingFetch(...answers);
  const vlens = createVlensClient({ apiKey: API_KEY, accessToken: USER_TOKEN, baseUrl: "http://vlens.test", fetch, ...options });
  return { vlens, sent };
}

/** The answers of a whole verification, success by default. */
export const answers = {
  front: (extra: Record<string, unknown> = {}) =>
    json(
      envelope(
        {
          isVerificationProcessCompleted: false,
          isDigitalIdentityVerified: false,
          idFrontData: { idNumber: "29001012101235", name_english: "Ahmed", transaction_id: TRANSACTION_ID },
        },
        { services: { Validations: { validation_errors: [] }, spoofing: { fake: false } }, ...extra },
      ),
    ),
  back: (extra: Record<string, unknown> = {}) =>
    json(
      envelope(
        { idBackData: { idNumber: "29001012101235", idExpiry: "2028-06-14T00:00:00", transaction_id: TRANSACTION_ID } },
        { services: { Validations: { validation_errors: [] }, spoofing: { fake: false } }, ...extra },
      ),
    ),
  liveness: (data: Record<string, unknown> = {}, services: Record<string, unknown> = {}) =>
    json(
      envelope(
        { isVerificationProcessCompleted: true, isDigitalIdentityVerified: true, isMatched: true, user: { idNumber: "29001012101235" }, ...data },
        { services: { liveness: true, spoofing: { fake: false }, SRC: { isValid: true }, AML: { AML_matched: false, data: [] }, ...services } },
      ),
    ),
};

/** The rejection of a promise, or a failure if it resolved. */
export async function failureOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure, got a result");
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A request as it arrived on the wire: every header line as sent (name in its letter case, value unjoined). */
export interface Arrived {
  method: string;
  path: string;
  query: URLSearchParams;
  rawHeaders: [string, string][];
  body: string;
}

/** Every value a header arrived with, whatever the letter case of its name. One value, unjoined, is what a client must send. */
export function valuesOf(request: Arrived, name: string): string[] {
  return request.rawHeaders.filter(([sent]) => sent.toLowerCase() === name.toLowerCase()).map(([, value]) => value);
}

/** The value of a header that arrived once (undefined when absent). */
export function headerOf(request: Arrived, name: string): string | undefined {
  return valuesOf(request, name)[0];
}

export function reply(response: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(text)), ...headers });
  response.end(text);
}

/** A real HTTP server on a free local port; `handle` answers each request once its body has arrived. */
export async function localServer(handle: (request: Arrived, response: ServerResponse) => void | Promise<void>) {
  const arrived: Arrived[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const url = new URL(incoming.url ?? "/", "http://localhost");
      const rawHeaders: [string, string][] = [];
      for (let index = 0; index < incoming.rawHeaders.length; index += 2) rawHeaders.push([incoming.rawHeaders[index]!, incoming.rawHeaders[index + 1]!]);
      const request: Arrived = { method: incoming.method ?? "", path: url.pathname, query: url.searchParams, rawHeaders, body: Buffer.concat(chunks).toString("utf8") };
      arrived.push(request);
      Promise.resolve(handle(request, response)).catch((error: unknown) => {
        if (!response.headersSent) reply(response, { data: null, error_code: 500, error_message: String(error) }, 500);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An answer every capture step (front, back, liveness, link) reads as a success, verified. */
export function verifiedEverywhere(transactionId = TRANSACTION_ID) {
  return envelope(
    {
      isVerificationProcessCompleted: true,
      isDigitalIdentityVerified: true,
      isMatched: true,
      idFrontData: { idNumber: "29001012101235", transaction_id: transactionId },
      idBackData: { idNumber: "29001012101235", transaction_id: transactionId },
      user: { idNumber: "29001012101235" },
      // The key-only (/v1) answers carry it here.
      transaction_id: transactionId,
    },
    { services: { Validations: { validation_errors: [] }, spoofing: { fake: false }, liveness: true, SRC: { isValid: true }, AML: { AML_matched: false, data: [] } } },
  );
}
