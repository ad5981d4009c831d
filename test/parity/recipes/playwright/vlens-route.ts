// vlens-route.ts: the sandbox for a Playwright page. page.route hands each request under the sandbox's
// base URLs to its MSW handlers, which run in the test process, where the test steers them.
import type { Page, Route } from "playwright-core"; // or "@playwright/test": the same Page
import { getResponse } from "msw";
import type { VlensSandbox } from "vlens-digital-identity/msw";

export async function routeToSandbox(page: Page, sandbox: VlensSandbox): Promise<void> {
  const under = (url: URL) => sandbox.baseUrls.some((base) => `${url.origin}${url.pathname}`.toLowerCase().startsWith(base.toLowerCase()));
  await page.route(under, async (route: Route) => {
    const sent = route.request();
    const body = sent.postDataBuffer();
    const request = new Request(sent.url(), { method: sent.method(), headers: await sent.allHeaders(), body: body ? new Uint8Array(body) : undefined });
    const response = await getResponse(sandbox.handlers, request);
    try {
      if (!response) return await route.fallback();
      // A network error (fault reset, a hang ended by reset or close) or a body that breaks off (fault truncated).
      if (response.type === "error") return await route.abort("connectionreset");
      const answer = await response.arrayBuffer().catch(() => null);
      if (answer === null) return await route.abort("connectionreset");
      await route.fulfill({ status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(answer) });
    } catch {
      // The page went away while the answer waited (a delay or a hang): nothing to answer.
    }
  });
}
