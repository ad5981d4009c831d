// Fills the sandbox's values into the answer of a named example: the real transaction id wherever the
// example has one, tokens, user fields, file names, image bytes, field errors. Only members the example
// already has are written, so the description keeps deciding the answer's shape. Named answers are
// cached and shared: never changed. Only the objects on the way to a written member are copied (the
// rest is shared with the example), which costs a fraction of cloning the whole body.

/** @import { Answer, FieldError } from '../types.js' */
/** @typedef {(string | number)[]} Path */
/**
 * What a rule fills in. `set` writes a member the example has; `merge` writes, into an object the
 * example has, the members it has; `image` writes base64 text (its bytes, as sent) and the answer's
 * bytes are spliced around it rather than serialised through it (it needs no escaping, and it can be
 * megabytes).
 * @typedef {{ transactionId?: string | null, set?: [Path, unknown][], merge?: [Path, Record<string, unknown>][], errorDescriptions?: FieldError[], image?: [Path, Uint8Array] }} Fill
 */

const TRANSACTION_ID_MEMBERS = new Set(['transaction_id', 'transactionId', 'TransactionId']);
const encoder = new TextEncoder();

// Where an example's body has transaction id members (string values), by body: the cached answers are
// shared, so each body is walked once.
/** @type {WeakMap<object, Path[]>} */
const transactionIdPaths = new WeakMap();

/**
 * @param {unknown} node
 * @param {Path} at
 * @param {Path[]} found
 */
function findTransactionIds(node, at, found) {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) findTransactionIds(item, [...at, index], found);
  }
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (TRANSACTION_ID_MEMBERS.has(key) && typeof value === 'string') found.push([...at, key]);
      else if (value && typeof value === 'object') findTransactionIds(value, [...at, key], found);
    }
  }
  return found;
}

/** @param {object} body */
function transactionIdsIn(body) {
  let paths = transactionIdPaths.get(body);
  if (!paths) transactionIdPaths.set(body, (paths = findTransactionIds(body, [], [])));
  return paths;
}

/** @typedef {Record<string | number, any>} Editable */

/**
 * Edits of a shared body: `at(path)` gives the object at `path` in the edited copy, copying each object
 * on the way the first time it is reached, or null when the example has no object there (or, unless
 * `throughArrays`, an array on the way: the fill's paths name objects, only transaction ids are
 * looked for inside arrays).
 * @param {Editable} body
 */
function copyOnWrite(body) {
  const copied = new Set();
  /** @param {Editable} node @returns {Editable} */
  const copy = (node) => {
    const fresh = Array.isArray(node) ? [...node] : { ...node };
    copied.add(fresh);
    return fresh;
  };
  const root = copy(body);
  return {
    root,
    /**
     * @param {Path} path
     * @param {boolean} [throughArrays]
     * @returns {Editable | null}
     */
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

/** @param {unknown} node @returns {node is Editable} */
const isPlainObject = (node) => node !== null && typeof node === 'object' && !Array.isArray(node);

/**
 * @param {Fill | undefined} fill
 * @param {object} body
 */
const hasFill = (fill, body) =>
  Boolean(fill && ((fill.transactionId && transactionIdsIn(body).length > 0) || fill.set?.length || fill.merge?.length || fill.errorDescriptions || fill.image));
// Stands for an image while the rest of the answer is serialised; it cannot occur in an answer.
const IMAGE_PLACEHOLDER = JSON.stringify('\u0000vlens-image\u0000');

/**
 * The answer with the fill written in; the answer itself when there is nothing to write.
 * @param {Answer} answer
 * @param {Fill | undefined} fill
 * @returns {Answer}
 */
export function fillAnswer(answer, fill) {
  if (!isPlainObject(answer.body) || !hasFill(fill, answer.body) || !fill) return answer;
  const edit = copyOnWrite(answer.body);
  if (fill.transactionId) {
    for (const path of transactionIdsIn(answer.body)) {
      const parent = edit.at(path.slice(0, -1), true);
      if (parent) parent[/** @type {string | number} */ (path.at(-1))] = fill.transactionId;
    }
  }
  for (const [path, value] of fill.set ?? []) {
    const parent = edit.at(path.slice(0, -1));
    const key = /** @type {string | number} */ (path.at(-1));
    if (isPlainObject(parent) && Object.hasOwn(parent, key)) parent[key] = value;
  }
  for (const [path, values] of fill.merge ?? []) {
    const target = edit.at(path);
    if (!isPlainObject(target)) continue;
    for (const [key, value] of Object.entries(values)) if (Object.hasOwn(target, key)) target[key] = value;
  }
  const body = edit.root;
  if (fill.errorDescriptions && Object.hasOwn(body, 'error_descriptions')) body.error_descriptions = fill.errorDescriptions;
  const [imagePath, bytes] = fill.image ?? [[], new Uint8Array(0)];
  const key = /** @type {string | number} */ (imagePath.at(-1));
  const holder = fill.image ? edit.at(imagePath.slice(0, -1)) : null;
  if (!isPlainObject(holder) || !Object.hasOwn(holder, key)) return { ...answer, body, payload: JSON.stringify(body) };
  holder[key] = JSON.parse(IMAGE_PLACEHOLDER);
  const text = JSON.stringify(body);
  const at = text.indexOf(IMAGE_PLACEHOLDER);
  // The answer's body says what was answered (the journal reads it); its bytes carry the image.
  holder[key] = `<image ${bytes.length} base64 characters>`;
  const payload = [encoder.encode(`${text.slice(0, at)}"`), bytes, encoder.encode(`"${text.slice(at + IMAGE_PLACEHOLDER.length)}`)];
  return { ...answer, body, payload };
}
