// The parity suite against the MSW handlers in a browser page (`setupWorker`): the page registers
// MSW's Service Worker, which hands every request to the handlers running in the page. Bundled for the
// browser by test/msw-parity.test.ts; the test calls `runParityInPage()` and compares what it returns.
import { setupWorker } from 'msw/browser';
import { vlensSandbox } from '../../mocks/msw/index.js';
import { runParity, type Observation } from './suite.js';

async function runParityInPage(): Promise<Observation[]> {
  const sandbox = vlensSandbox();
  const worker = setupWorker(...sandbox.handlers);
  // Anything the suite sends elsewhere is a failure, not a request to the network (MSW 3 names the
  // option onUnhandledFrame, MSW 2 onUnhandledRequest; this page runs with both).
  const options = { quiet: true, onUnhandledFrame: 'error', onUnhandledRequest: 'error', serviceWorker: { url: new URL('mockServiceWorker.js', location.href).pathname } };
  await worker.start(options as Parameters<typeof worker.start>[0]);
  try {
    return await runParity({ baseUrl: 'https://api.vlenseg.com', control: (apiKey) => sandbox.control(apiKey) });
  } finally {
    sandbox.close();
    worker.stop();
  }
}

(globalThis as unknown as { runParityInPage: typeof runParityInPage }).runParityInPage = runParityInPage;
