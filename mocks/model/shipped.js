// The shipped description as the engine reads it: its model at once, each operation's examples and
// validators on the operation's first request (a bundler splits them into chunks of their own).
import model from './generated/model.js';
import { examples, validators } from './generated/index.js';

/** @import { DescriptionSource, ExampleValues, OperationValidators } from '../types.js' */

/**
 * @template T
 * @param {Record<string, () => Promise<T>>} loaders
 * @param {(loaded: T) => any} pick
 */
function cachedLoader(loaders, pick) {
  /** @type {Map<string, Promise<any>>} */
  const loaded = new Map();
  return (/** @type {string} */ operationId) => {
    let promise = loaded.get(operationId);
    if (!promise) {
      const load = loaders[operationId];
      if (!load) throw new Error(`The shipped description has no operation ${operationId}`);
      promise = load().then(pick);
      loaded.set(operationId, promise);
    }
    return promise;
  };
}

/** @returns {DescriptionSource} */
export function shippedDescription() {
  return {
    model,
    examples: /** @type {(operationId: string) => Promise<ExampleValues>} */ (cachedLoader(examples, (loaded) => loaded.default)),
    validators: /** @type {(operationId: string) => Promise<OperationValidators>} */ (
      cachedLoader(validators, (loaded) => ({ body: null, bodyFirstError: null, query: null, header: null, path: null, ...loaded }))
    ),
  };
}
