// vitest.setup.ts: one sandbox for the test files, answering at https://api.vlenseg.com.
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";
import { vlensSandbox } from "vlens-digital-identity/msw";

export const sandbox = vlensSandbox();
export const server = setupServer(...sandbox.handlers);

// MSW 3 calls the option onUnhandledFrame; MSW 2 calls it onUnhandledRequest.
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => {
  sandbox.close(); // ends the answers a test left waiting (faults delay and hang)
  server.close();
});
