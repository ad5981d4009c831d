// Fills the sandbox's values into the answer of a named example: the real transaction id wherever the
// example has one, tokens, user fields, file names, image bytes, field errors. Only members the example
// already has are written, so the description keeps deciding the answer's shape. The answer from
// answerFor is cached and shared: it is copied, never changed.

const TRANSACTION_ID_MEMBERS = new Set(['transaction_id', 'transactionId', 'TransactionId']);

function replaceTransactionIds(node, id) {
  if (Array.isArray(node)) {
    for (const item of node) replaceTransactionIds(item, id);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (TRANSACTION_ID_MEMBERS.has(key) && typeof value === 'string') node[key] = id;
    else if (value && typeof value === 'object') replaceTransactionIds(value, id);
  }
}

/** The object at `path`, or null. */
function objectAt(body, path) {
  let node = body;
  for (const key of path) {
    node = node?.[key];
    if (!node || typeof node !== 'object' || Array.isArray(node)) return null;
  }
  return node;
}

const hasFill = (fill) => Boolean(fill && (fill.transactionId || fill.set?.length || fill.merge?.length || fill.errorDescriptions));

/**
 * `fill`: `{ transactionId, set: [[path, value]], merge: [[path, object]], errorDescriptions }`. `set`
 * writes a member the example has; `merge` writes, into an object the example has, the members it has.
 */
export function fillAnswer(answer, fill) {
  if (!hasFill(fill) || answer.body === undefined || answer.body === null || answer.scenario?.startsWith('drift:')) return answer;
  const body = structuredClone(answer.body);
  if (fill.transactionId) replaceTransactionIds(body, fill.transactionId);
  for (const [path, value] of fill.set ?? []) {
    const parent = objectAt(body, path.slice(0, -1));
    const key = path[path.length - 1];
    if (parent && Object.hasOwn(parent, key)) parent[key] = value;
  }
  for (const [path, values] of fill.merge ?? []) {
    const target = objectAt(body, path);
    if (!target) continue;
    for (const [key, value] of Object.entries(values)) if (Object.hasOwn(target, key)) target[key] = value;
  }
  if (fill.errorDescriptions && typeof body === 'object' && Object.hasOwn(body, 'error_descriptions')) body.error_descriptions = fill.errorDescriptions;
  return { ...answer, body, payload: JSON.stringify(body) };
}
