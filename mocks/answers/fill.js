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
  } else if (node && typeof node === 'object') {
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
 * Edits of a shared body: `at(path, length)` gives the object at the first `length` keys of `path` in
 * the edited copy, copying each object on the way the first time it is reached, or null when the
 * example has no object there (or, unless `throughArrays`, an array on the way: the fill's paths name
 * objects, only transaction ids are looked for inside arrays). A fill copies a few objects: they are
 * remembered in a short array.
 */
class CopyOnWrite {
  /** @param {Editable} body */
  constructor(body) {
    /** @type {Editable[]} */
    this.copied = [];
    this.root = this.copy(body);
  }

  /** @param {Editable} node @returns {Editable} */
  copy(node) {
    const fresh = Array.isArray(node) ? [...node] : { ...node };
    this.copied.push(fresh);
    return fresh;
  }

  /**
   * @param {Path} path
   * @param {number} length
   * @param {boolean} [throughArrays]
   * @returns {Editable | null}
   */
  at(path, length, throughArrays = false) {
    let node = this.root;
    for (let index = 0; index < length; index++) {
      const key = /** @type {string | number} */ (path[index]);
      const child = node[key];
      if (!child || typeof child !== 'object' || (!throughArrays && Array.isArray(child))) return null;
      node = this.copied.includes(child) ? child : (node[key] = this.copy(child));
    }
    return node;
  }
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
const IMAGE_PLACEHOLDER_TEXT = '\u0000vlens-image\u0000';
const IMAGE_PLACEHOLDER = JSON.stringify(IMAGE_PLACEHOLDER_TEXT);

/**
 * The answer with the fill written in; the answer itself when there is nothing to write.
 * @param {Answer} answer
 * @param {Fill | undefined} fill
 * @returns {Answer}
 */
export function fillAnswer(answer, fill) {
  if (!isPlainObject(answer.body) || !hasFill(fill, answer.body) || !fill) return answer;
  const edit = new CopyOnWrite(answer.body);
  if (fill.transactionId) {
    for (const path of transactionIdsIn(answer.body)) {
      const parent = edit.at(path, path.length - 1, true);
      if (parent) parent[/** @type {string | number} */ (path[path.length - 1])] = fill.transactionId;
    }
  }
  if (fill.set) {
    for (const [path, value] of fill.set) {
      const parent = edit.at(path, path.length - 1);
      const key = /** @type {string | number} */ (path[path.length - 1]);
      if (isPlainObject(parent) && Object.hasOwn(parent, key)) parent[key] = value;
    }
  }
  if (fill.merge) {
    for (const [path, values] of fill.merge) {
      const target = edit.at(path, path.length);
      if (!isPlainObject(target)) continue;
      for (const [key, value] of Object.entries(values)) if (Object.hasOwn(target, key)) target[key] = value;
    }
  }
  const body = edit.root;
  if (fill.errorDescriptions && Object.hasOwn(body, 'error_descriptions')) body.error_descriptions = fill.errorDescriptions;
  if (!fill.image) return filled(answer, body, JSON.stringify(body));
  const [imagePath, bytes] = fill.image;
  const key = /** @type {string | number} */ (imagePath[imagePath.length - 1]);
  const holder = edit.at(imagePath, imagePath.length - 1);
  if (!isPlainObject(holder) || !Object.hasOwn(holder, key)) return filled(answer, body, JSON.stringify(body));
  holder[key] = IMAGE_PLACEHOLDER_TEXT;
  const text = JSON.stringify(body);
  const at = text.indexOf(IMAGE_PLACEHOLDER);
  // The answer's body says what was answered (the journal reads it); its bytes carry the image.
  holder[key] = `<image ${bytes.length} base64 characters>`;
  const payload = [encoder.encode(`${text.slice(0, at)}"`), bytes, encoder.encode(`"${text.slice(at + IMAGE_PLACEHOLDER.length)}`)];
  return filled(answer, body, payload);
}

/**
 * The answer with its filled body and payload: a copy of the answer whose members are then redefined
 * would take V8's slow path, so a named example's answer (status, body, payload, scenario) is built
 * member by member; any other keeps every member it has.
 * @param {Answer} answer
 * @param {unknown} body
 * @param {Answer['payload']} payload
 * @returns {Answer}
 */
function filled(answer, body, payload) {
  if (isNamedAnswer(answer)) return { status: answer.status, body, payload, scenario: answer.scenario };
  return { ...answer, body, payload };
}

const NAMED_ANSWER_KEYS = ['status', 'body', 'payload', 'scenario'];

/** Whether an answer has exactly the members of a named example's, in their order. @param {Answer} answer */
export function isNamedAnswer(answer) {
  let index = 0;
  for (const key in answer) if (!Object.hasOwn(answer, key) || NAMED_ANSWER_KEYS[index++] !== key) return false;
  return index === NAMED_ANSWER_KEYS.length;
}
