// Fills the sandbox's values into the answer of a named example: the real transaction id wherever the
// example has one, tokens, user fields, file names, image bytes, field errors. Only members the example
// already has are written, so the description keeps deciding the answer's shape. The answer from
// answerFor is cached and shared: it is copied, never changed.

const TRANSACTION_ID_MEMBERS = new Set(['transaction_id', 'transactionId', 'TransactionId']);

// Whether an example's body has a transaction id member anywhere, by body (the cached answers are shared).
const hasTransactionIds = new WeakMap();

function containsTransactionId(node) {
  if (Array.isArray(node)) return node.some(containsTransactionId);
  if (!node || typeof node !== 'object') return false;
  return Object.entries(node).some(([key, value]) => (TRANSACTION_ID_MEMBERS.has(key) && typeof value === 'string') || containsTransactionId(value));
}

function transactionIdsIn(body) {
  if (!hasTransactionIds.has(body)) hasTransactionIds.set(body, containsTransactionId(body));
  return hasTransactionIds.get(body);
}

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

const hasFill = (fill, body) =>
  Boolean(fill && ((fill.transactionId && transactionIdsIn(body)) || fill.set?.length || fill.merge?.length || fill.errorDescriptions || fill.image));
// Stands for an image while the rest of the answer is serialised; it cannot occur in an answer.
const IMAGE_PLACEHOLDER = JSON.stringify('\u0000vlens-image\u0000');

/**
 * `fill`: `{ transactionId, set: [[path, value]], merge: [[path, object]], errorDescriptions, image:
 * [path, base64 text in a Buffer] }`. `set` writes a member the example has; `merge` writes, into an
 * object the example has, the members it has; `image` writes base64 text, and the answer's bytes are
 * spliced around it rather than serialised through it (it needs no escaping, and it can be megabytes).
 */
export function fillAnswer(answer, fill) {
  if (answer.body === undefined || answer.body === null || typeof answer.body !== 'object' || answer.scenario?.startsWith('drift:') || !hasFill(fill, answer.body)) return answer;
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
  const image = fill.image && objectAt(body, fill.image[0].slice(0, -1));
  if (!image || !Object.hasOwn(image, fill.image[0].at(-1))) return { ...answer, body, payload: JSON.stringify(body) };
  const [path, base64] = fill.image;
  image[path.at(-1)] = JSON.parse(IMAGE_PLACEHOLDER);
  const text = JSON.stringify(body);
  const at = text.indexOf(IMAGE_PLACEHOLDER);
  // The answer's body object says what was answered (the journal reads it); its bytes carry the image.
  image[path.at(-1)] = `<image ${base64.length} base64 characters>`;
  const payload = Buffer.concat([Buffer.from(`${text.slice(0, at)}"`), base64, Buffer.from(`"${text.slice(at + IMAGE_PLACEHOLDER.length)}`)]);
  return { ...answer, body, payload };
}
