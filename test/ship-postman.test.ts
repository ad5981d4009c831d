// `npm run postman`: the collection and environment, checked against the description they come from,
// then run with newman against the real mock, as a QA team would run them in CI.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import newman from "newman";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMock } from "../mocks/index.js";
import { COLLECTION_PATH, ENVIRONMENT_PATH, SANDBOX_FOLDER, buildPostman } from "../scripts/build/postman.mjs";
import { listOperations, loadBundle, resolveRef } from "../scripts/lib/description.mjs";

const run = promisify(execFile);
const ROOT = new URL("..", import.meta.url).pathname;
const doc = loadBundle();
const operations = listOperations(doc) as { path: string; method: string; operation: any }[];

interface Item { name: string; request: any; response: any[]; event?: any[]; item?: Item[] }
const requestsOf = (items: Item[]): Item[] => items.flatMap((item) => (item.item ? requestsOf(item.item) : [item]));
const headerOf = (request: any, name: string) => request.header.find((header: any) => header.key.toLowerCase() === name.toLowerCase() && !header.disabled)?.value;

let collection: { item: Item[]; variable: any[] };
let environment: { values: { key: string; value: string }[] };
let requests: Item[];
// The first folder holds the sandbox's reset (a control API call, not an operation of the description).
let reset: Item;
let mock: Awaited<ReturnType<typeof startMock>>;
// The saved responses are the description's examples as they are: what the mock answers when it keeps
// no state (a sandbox fills in the ids, tokens and images of its own transactions and users).
let statelessMock: Awaited<ReturnType<typeof startMock>>;

function newmanRun(options: Record<string, unknown>, baseUrl = mock.url) {
  return new Promise<any>((resolve, reject) => {
    newman.run({ reporters: [], envVar: [{ key: "baseUrl", value: baseUrl }], ...options } as any, (error: Error | null, summary: any) => (error ? reject(error) : resolve(summary)));
  });
}
const failures = (summary: any) => summary.run.failures.map((failure: any) => `${failure.source?.name}: ${failure.error?.test ?? ""} ${failure.error?.message}`);

beforeAll(async () => {
  const [, started, stateless] = await Promise.all([
    run(process.execPath, ["scripts/build/postman.mjs"], { cwd: ROOT }),
    startMock({ port: 0, log: false }),
    startMock({ port: 0, log: false, stateless: true } as Parameters<typeof startMock>[0]),
  ]);
  mock = started;
  statelessMock = stateless;
  collection = JSON.parse(readFileSync(COLLECTION_PATH, "utf8"));
  environment = JSON.parse(readFileSync(ENVIRONMENT_PATH, "utf8"));
  const [sandboxFolder, ...operationFolders] = collection.item;
  expect(sandboxFolder!.name).toBe(SANDBOX_FOLDER);
  [reset] = sandboxFolder!.item!;
  requests = requestsOf(operationFolders);
}, 60_000);
afterAll(() => Promise.all([mock?.stop(), statelessMock?.stop()]));

describe("npm run postman", () => {
  it("has one request per operation, and every named example of every status as a saved response that asks the mock for it", () => {
    expect(requests).toHaveLength(operations.length);
    let examples = 0;
    for (const { path, method, operation } of operations) {
      const item = requests.find((candidate) => candidate.request.method === method.toUpperCase() && `/${candidate.request.url.path.join("/")}` === path);
      expect(item, operation.operationId).toBeDefined();
      for (const [status, declared] of Object.entries(operation.responses)) {
        for (const [name, reference] of Object.entries<any>(resolveRef(doc, declared).content?.["application/json"]?.examples ?? {})) {
          examples += 1;
          const saved = item!.response.filter((response) => response.code === Number(status) && headerOf(response.originalRequest, "Prefer")?.endsWith(`example=${name}`));
          expect(saved, `${operation.operationId} ${status} ${name}`).toHaveLength(1);
          expect(JSON.parse(saved[0].body)).toEqual(resolveRef(doc, reference).value);
        }
      }
    }
    expect(requests.reduce((sum, item) => sum + item.response.length, 0)).toBe(examples);
    expect(examples).toBeGreaterThan(100);
  });

  it("sends ApiKey on every request and the bearer token each operation's security asks for", () => {
    for (const { path, method, operation } of operations) {
      const { request } = requests.find((candidate) => candidate.request.method === method.toUpperCase() && `/${candidate.request.url.path.join("/")}` === path)!;
      const schemes = Object.keys(operation.security?.[0] ?? {});
      expect(headerOf(request, "ApiKey"), operation.operationId).toBe("{{apiKey}}");
      const expected = schemes.includes("UserBearer") ? "{{userToken}}" : schemes.includes("AdminBearer") ? "{{adminToken}}" : undefined;
      expect(request.auth.bearer?.[0]?.value, operation.operationId).toBe(expected);
      expect(JSON.stringify(request), operation.operationId).not.toMatch(/<(string|uuid|integer|number|boolean)[^>]*>/);
    }
  });

  it("comes with an environment holding baseUrl, apiKey and the tokens", () => {
    const keys = environment.values.map((value) => value.key);
    for (const key of ["baseUrl", "apiKey", "userToken", "adminToken", "refreshToken"]) expect(keys).toContain(key);
    expect(environment.values.find((value) => value.key === "baseUrl")!.value).toBe("http://127.0.0.1:4010");
  });

  it("writes the same files for the same description", async () => {
    const again = await buildPostman();
    expect(again.collection).toEqual(collection);
    expect(again.environment).toEqual(environment);
  });
});

describe("newman against the mock", () => {
  it("runs the collection top to bottom with 0 failures, chaining tokens and the transaction id", async () => {
    const summary = await newmanRun({ collection, environment });
    expect(failures(summary)).toEqual([]);
    expect(summary.run.stats.requests).toMatchObject({ total: operations.length + 1, failed: 0 });
    // Every pm.test of every script ran.
    const declared = [reset, ...requests].flatMap((item) => item.event ?? []).flatMap((event) => event.script.exec).filter((line: string) => line.startsWith("pm.test(")).length;
    expect(declared).toBeGreaterThan(operations.length * 2);
    expect(summary.run.stats.assertions).toMatchObject({ total: declared, failed: 0 });
    const [first, ...executions] = summary.run.executions as any[];
    expect([first.request.method, first.request.url.getPath(), first.response.code]).toEqual(["POST", "/__vlens/reset", 204]);
    expect(executions.map((execution) => execution.response.code)).toEqual(executions.map(() => 200));
    // The transaction id the front scan answered with is the one the later requests sent.
    const front = executions.find((execution) => execution.item.name.startsWith("Scan the front"));
    const transactionId = JSON.parse(front.response.stream.toString()).data.idFrontData.transaction_id;
    const back = executions.find((execution) => execution.item.name.startsWith("Scan the back"));
    expect(JSON.parse(back.request.body.raw).transaction_id).toBe(transactionId);
    const stepImage = executions.find((execution) => execution.request.url.path.includes("GetStepImage"));
    expect(stepImage.request.url.query.toObject().TransactionId).toBe(transactionId);
    const images = executions.find((execution) => execution.request.url.path.includes("GetUserDigitalIdentityImages"));
    expect(images.request.url.query.toObject().emailOrPhoneNumber).toBe("%2B201001234567");
    // The admin operations ran with the admin token the last token answer carried (login, then refresh).
    const refresh = executions.find((execution) => execution.request.url.path.join("/") === "api/credentials/RefreshToken");
    const adminToken = JSON.parse(refresh.response.stream.toString()).data.accessToken;
    expect(images.request.headers.get("Authorization")).toBe(`Bearer ${adminToken}`);
  });

  it("runs the collection top to bottom with 0 failures against the stateless mock too (the example ids)", async () => {
    const summary = await newmanRun({ collection, environment }, statelessMock.url);
    expect(failures(summary)).toEqual([]);
    expect(summary.run.stats.requests).toMatchObject({ total: operations.length + 1, failed: 0 });
    // The stateless mock has no tenant to reset, and answers the collection's reset all the same.
    const [first, ...executions] = summary.run.executions as any[];
    expect([first.request.url.getPath(), first.response.code]).toEqual(["/__vlens/reset", 204]);
    expect(executions.map((execution) => execution.response.code)).toEqual(executions.map(() => 200));
    // The replay answers the example's own transaction id, and the chain carries that one on.
    const front = executions.find((execution) => execution.item.name.startsWith("Scan the front"));
    const transactionId = JSON.parse(front.response.stream.toString()).data.idFrontData.transaction_id;
    const back = executions.find((execution) => execution.item.name.startsWith("Scan the back"));
    expect(JSON.parse(back.request.body.raw).transaction_id).toBe(transactionId);
  }, 60_000);

  it("runs again, twice more, against the same mock with 0 failures: the reset forgets the previous run's user (review S1)", async () => {
    const one = await newmanRun({ collection, environment });
    const two = await newmanRun({ collection, environment });
    expect([failures(one), failures(two)]).toEqual([[], []]);
    // The sandbox kept state between the runs: the second one registered the example's phone number again, after the reset.
    const register = (two.run.executions as any[]).find((execution) => execution.request.url.getPath() === "/api/DigitalIdentity/Register");
    expect(JSON.parse(register.response.stream.toString()).data.accessToken).toEqual(expect.any(String));
  });

  it("without its reset, a second run fails: the sandbox finds the phone number registered (the reset is what makes the runs repeatable)", async () => {
    const withoutReset = { ...collection, item: collection.item.slice(1) };
    await newmanRun({ collection: withoutReset, environment });
    const again = await newmanRun({ collection: withoutReset, environment });
    const register = requests.find((item) => item.request.url.path.join("/") === "api/DigitalIdentity/Register")!;
    expect(failures(again).length).toBeGreaterThan(0);
    expect(failures(again).every((failure: string) => failure.startsWith(`${register.name}:`)), failures(again).join("\n")).toBe(true);
  });

  // Each saved response sent as its original request; the mock must answer it exactly.
  const savedResponseRun = (items: Item[]) => ({
    info: { name: "saved responses", schema: "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
    variable: collection.variable,
    item: items.flatMap((item) =>
      item.response.map((saved) => ({
        name: `${item.name} / ${saved.name}`,
        request: saved.originalRequest,
        event: [
          {
            listen: "test",
            script: {
              exec: [
                `pm.test('status ${saved.code}', () => pm.response.to.have.status(${saved.code}));`,
                `pm.test('body as saved', () => pm.expect(pm.response.json()).to.eql(${saved.body}));`,
              ],
            },
          },
        ],
      })),
    ),
  });

  it("answers every saved response's original request with exactly that response (stateless mock)", async () => {
    const summary = await newmanRun({ collection: savedResponseRun(requests), environment }, statelessMock.url);
    expect(failures(summary)).toEqual([]);
    const saved = requests.reduce((sum, item) => sum + item.response.length, 0);
    expect(summary.run.stats.requests.total).toBe(saved);
    expect(summary.run.stats.assertions).toMatchObject({ total: saved * 2, failed: 0 });
  }, 60_000);

  it("the saved-response check fails on a response that no longer matches the mock", async () => {
    const tampered: Item[] = structuredClone(requests.slice(0, 1));
    const [first] = tampered[0]!.response;
    first.body = JSON.stringify({ ...JSON.parse(first.body), error_code: 9999 });
    tampered[0]!.response = [first];
    const summary = await newmanRun({ collection: savedResponseRun(tampered), environment }, statelessMock.url);
    expect(failures(summary)).toEqual([expect.stringMatching(/body as saved/)]);
  });
});
