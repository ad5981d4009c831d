// `vlens-digital-identity/mock`: start and stop the mock from a test suite's global setup.
import { listen } from './server.js';

export { PrismMissingError } from './prism.js';
export { ExampleDriftError } from './drift.js';

export async function startMock(options = {}) {
  const { url, port, stop } = await listen(options);
  return { url, port, stop };
}
