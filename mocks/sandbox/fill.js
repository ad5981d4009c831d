// Fills the sandbox's values into the answer of a named example: the real transaction id wherever the
// example has one, tokens, user fields, file names, image bytes, field errors. Only members the example
// already has are written, so the description keeps deciding the answer's shape. The answer from
// answerFor is cached and shared: it is never changed. Only the objects on the way to a written member
// are copied (the rest is shared with the example), which costs a fraction of cloning the whole body.

const TRANSACTION_ID_MEMBERS = new Set(['transaction_id', 'transactionId', 'TransactionId']);

// Where an example's body has transaction id members (string values), by body: the cached answers are
// shared, so each body is walked once.
const transactionIdPaths = new WeakMap();

function findTransactionIds(node, at, found) {
  if (Array.isArray(node)) node.forEach((item, index) => findTransactionIds(item, [...at, index], found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (TRANSACTION_ID_MEMBERS.has(key) && typeof value === 'string') found.push([...at, key]);
      else if (value && typeof value === 'object') findTransactionIds(value, [...at, key], found);
    }
  }
  return found;
}

function transactionIdsIn(body) {
  let paths = transactionIdPaths.get(body);
  if (!paths) transactionIdPaths.set(body, (paths = findTransactionIds(body, [], [])));
  return paths;
}

/**
 * Edits of a shared body: `at(path)` gives the object at `path` in the edited copy, copying each object
 * on the way the first time it is reached, or null when the example has no object there (or, unless
 * `throughArrays`, an array on the way: the fill's paths name objects, only transaction ids are
 * looked for inside arrays).
 */
function copyOnWrite(body) {
  const copied = new Set();
  const copy = (node) => {
    const fresh = Array.isArray(node) ? [...node] : { ...node };
    copied.add(fresh);
    return fresh;
  };
  const root = copy(body);
  return {
    root,
    at(path, throughArrays = false) {
      let node = root;
      for (const key of path) {
        const child = node[key];
        if (!child || typeof child !== 'object' || (!throughArrays && Array.isArray(child))) return null;
        node = copied.has(child) ? child : (node[key] = copy(child));
      }
      return node;
    },
  };
}

const isPlainObject = (node) => node !== null && typeof node === 'object' && !Array.isArray(node);

const hasFill = (fill, body) =>
  Boolean(fill && ((fill.transactionId && transactionIdsIn(body).length > 0) || fill.set?.length || fill.merge?.length || fill.errorDescriptions || fill.image));
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
  const edit = copyOnWrite(answer.body);
  if (fill.transactionId) {
    for (const path of transactionIdsIn(answer.body)) edit.at(path.slice(0, -1), true)[path.at(-1)] = fill.transactionId;
  }
  for (const [path, value] of fill.set ?? []) {
    const parent = edit.at(path.slice(0, -1));
    const key = path[path.length - 1];
    if (isPlainObject(parent) && Object.hasOwn(parent, key)) parent[key] = value;
  }
  for (const [path, values] of fill.merge ?? []) {
    const target = edit.at(path);
    if (!isPlainObject(target)) continue;
    for (const [key, value] of Object.entries(values)) if (Object.hasOwn(target, key)) target[key] = value;
  }
  const body = edit.root;
  if (fill.errorDescriptions && Object.hasOwn(body, 'error_descriptions')) body.error_descriptions = fill.errorDescriptions;
  const image = fill.image && edit.at(fill.image[0].slice(0, -1));
  if (!isPlainObject(image) || !Object.hasOwn(image, fill.image[0].at(-1))) return { ...answer, body, payload: JSON.stringify(body) };
  const [path, base64] = fill.image;
  image[path.at(-1)] = JSON.parse(IMAGE_PLACEHOLDER);
  const text = JSON.stringify(body);
  const at = text.indexOf(IMAGE_PLACEHOLDER);
  // The answer's body object says what was answered (the journal reads it); its bytes carry the image.
  image[path.at(-1)] = `<image ${base64.length} base64 characters>`;
  const payload = Buffer.concat([Buffer.from(`${text.slice(0, at)}"`), base64, Buffer.from(`"${text.slice(at + IMAGE_PLACEHOLDER.length)}`)]);
  return { ...answer, body, payload };
}
