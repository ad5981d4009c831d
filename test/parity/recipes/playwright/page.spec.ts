// The Playwright recipe, run: a page (the app) calls https://api.vlenseg.com; routeToSandbox serves it
// from a sandbox of this test, which the test steers in process. A fresh sandbox per test.
import { createServer, type Server } from "node:http";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { vlensSandbox, type VlensSandbox } from "vlens-digital-identity/msw";
import { routeToSandbox } from "./vlens-route.js";

// The app: a front-of-ID scan with the key alone, and what it shows.
const APP = `<!doctype html><meta charset="utf-8"><output id="result"></output><script>
  window.scan = async () => {
    const image = btoa(String.fromCharCode(0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 600 }, (_, i) => i % 251)));
    try {
      const response = await fetch("https://api.vlenseg.com/v1/ocr/id/front", { method: "POST", headers: { ApiKey: "app-key", "Content-Type": "application/json" }, body: JSON.stringify({ image }) });
      const answer = await response.json();
      return answer.error_code ? "rejected " + answer.error_code : "captured " + answer.data.transaction_id;
    } catch (error) {
      return "failed " + error.name;
    }
  };
</script>`;

let browser: Browser;
let site: Server;
let origin: string;
let page: Page;
let sandbox: VlensSandbox;

beforeAll(async () => {
  site = createServer((_, response) => response.writeHead(200, { "content-type": "text/html" }).end(APP));
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(site.address() as { port: number }).port}`;
  // No name resolves but 127.0.0.1: nothing unrouted leaves the machine.
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--headless", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"] });
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
});

beforeEach(async () => {
  sandbox = vlensSandbox();
  page = await browser.newPage();
  await routeToSandbox(page, sandbox);
  await page.goto(origin);
});
afterEach(async () => {
  await page.close();
  sandbox.close();
});

const scan = () => page.evaluate(() => (window as unknown as { scan(): Promise<string> }).scan());

it("captures, and the test sees the transaction in its sandbox", async () => {
  const shown = await scan();
  expect(shown).toMatch(/^captured [0-9a-f-]{36}$/);
  const transaction = await sandbox.control("app-key").transaction(shown.slice("captured ".length));
  expect(transaction.steps.map((step) => step.step)).toEqual(["front"]);
});

it("the test steers the next answer", async () => {
  await sandbox.control("app-key").queueOutcome({ operationId: "ocrIdFront", scenario: "fakeDocument" });
  expect(await scan()).toBe("rejected 5005");
});

it("a fresh sandbox per test: nothing of the previous tests", async () => {
  expect((await sandbox.control("app-key").requests()).requests).toEqual([]);
});

it("faults reach the page as network errors", async () => {
  await sandbox.control("app-key").addFault({ fault: "reset" });
  expect(await scan()).toBe("failed TypeError");
  await sandbox.control("app-key").addFault({ fault: "hang" });
  const hung = scan();
  while (!(await sandbox.control("app-key").requests()).requests.some((entry) => entry.fault === "hang")) await new Promise((resolve) => setTimeout(resolve, 10));
  await sandbox.control("app-key").reset();
  expect(await hung).toBe("failed TypeError");
});
