// Which scenario a request asks for: the Prefer header (`Prefer: code=401, example=tokenExpired`), or
// the __code / __example / __dynamic query parameters, Prism's names for the same three preferences.
// A front check: a request that asks in a way the mock cannot answer exactly is refused (400) before
// its body is read.
//
// Read strictly, because Prism reads it loosely (parse-prefer-header, then only the three names) and
// answers the default scenario for anything it does not understand: `code=401; example=tokenExpired`
// (the semicolon makes example= a parameter of code=, per RFC 7240), a misspelt preference
// (`exampel=`), or a scenario of another status. A test that asked for an outcome and silently got the
// success passes for the wrong reason; here each of those is a 400 that says how to write it.

/** @import { OperationModel, ResponseModel, Violation } from '../types.js' */
/** @typedef {{ code?: number, exampleKey?: string, dynamic?: boolean }} Preference */
/** @typedef {{ preferences: Record<string, string> } | { problem: Violation }} Read */
/** @typedef {{ field(name: string): string, label(name: string): string, write(pairs: [string, string | number][]): string }} Form */

const MAX_SHOWN = 120;
const PREFERENCES = ['code', 'example', 'dynamic'];
// Preferences registered with IANA (RFC 7240, 8144, 8674) and OData's: a client may send them to any
// API and the real service ignores them, so the mock does too.
const FOREIGN_PREFERENCES = new Set(['respond-async', 'return', 'wait', 'handling', 'depth-noroot', 'safe']);
/** @param {string} name */
const isForeign = (name) => FOREIGN_PREFERENCES.has(name) || name.startsWith('odata.');

/**
 * `{ code, exampleKey, dynamic }` (each undefined when not asked for), or `{ problem: { field, message } }`
 * for a request that asks in a way the mock cannot answer exactly.
 * @param {OperationModel} operation
 * @param {string | null} prefer the Prefer header
 * @param {URLSearchParams} searchParams
 * @returns {Preference | { problem: Violation }}
 */
export function chooseScenario(operation, prefer, searchParams) {
  // Nearly every request asks for nothing: no Prefer header, no query.
  if (prefer === null && searchParams.size === 0) return {};
  const fromHeader = prefer === null ? { preferences: {} } : readPreferHeader(prefer);
  if ('problem' in fromHeader) return fromHeader;
  const fromQuery = readQuery(operation, searchParams);
  if ('problem' in fromQuery) return fromQuery;
  const inHeader = Object.keys(fromHeader.preferences).length > 0;
  const inQuery = Object.keys(fromQuery.preferences).length > 0;
  if (inHeader && inQuery) {
    return problem('Prefer', 'Ask for the scenario either in the Prefer header or with the __code, __example and __dynamic query parameters, not both.');
  }
  return inQuery ? checkScenario(operation, fromQuery.preferences, QUERY) : checkScenario(operation, fromHeader.preferences, HEADER);
}

/** How a scenario is written in each form, for the hints. @type {Form} */
const HEADER = {
  field: () => 'Prefer',
  label: (name) => `${name}=`,
  write: (pairs) => `Prefer: ${pairs.map(([name, value]) => `${name}=${value}`).join(', ')}`,
};
/** @type {Form} */
const QUERY = {
  field: (name) => `__${name}`,
  label: (name) => `__${name}`,
  write: (pairs) => `?${pairs.map(([name, value]) => `__${name}=${encodeURIComponent(value)}`).join('&')}`,
};

/**
 * RFC 7240: a comma-separated list of `name[=value]` preferences, each with optional `;` parameters.
 * @param {string} header
 * @returns {Read}
 */
function readPreferHeader(header) {
  /** @type {Record<string, string>} */
  const preferences = {};
  for (const element of splitOutsideQuotes(header, ',')) {
    const [head = '', ...parameters] = splitOutsideQuotes(element, ';');
    if (head.trim() === '' && parameters.every((parameter) => parameter.trim() === '')) continue;
    const { name, value } = nameAndValue(head);
    if (isForeign(name)) continue;
    if (!PREFERENCES.includes(name)) return unknownPreference(HEADER, name);
    if (parameters.some((parameter) => parameter.trim() !== '')) {
      const rewritten = [head, ...parameters]
        .map((part) => part.trim())
        .filter(Boolean)
        .join(', ');
      return problem('Prefer', `Separate preferences with commas, not semicolons: send Prefer: ${shorten(rewritten)}.`);
    }
    if (name in preferences) return problem('Prefer', `The ${name}= preference is given twice; give it once.`);
    preferences[name] = value;
  }
  return { preferences };
}

/**
 * @param {OperationModel} operation
 * @param {URLSearchParams} searchParams
 * @returns {Read}
 */
function readQuery(operation, searchParams) {
  /** @type {Record<string, string>} */
  const preferences = {};
  for (const key of new Set(searchParams.keys())) {
    if (!key.startsWith('__') || operation.parameters.some((parameter) => parameter.in === 'query' && parameter.name === key)) continue;
    const name = key.slice(2).toLowerCase();
    if (!PREFERENCES.includes(name)) return unknownPreference(QUERY, name);
    const values = searchParams.getAll(key);
    if (values.length > 1) return problem(key, `The ${key} query parameter is given ${values.length} times; give it once.`);
    preferences[name] = /** @type {string} */ (values[0]);
  }
  return { preferences };
}

/**
 * @param {OperationModel} operation
 * @param {Record<string, string>} preferences
 * @param {Form} form
 * @returns {Preference | { problem: Violation }}
 */
function checkScenario(operation, preferences, form) {
  /** @type {number | undefined} */
  let code;
  if (preferences.code !== undefined) {
    if (!/^\d{3}$/.test(preferences.code ?? '')) {
      return problem(
        form.field('code'),
        `${form.label('code')} must be a three-digit HTTP status, as in ${form.write([
          ['code', 401],
          ['example', 'tokenExpired'],
        ])}.`,
      );
    }
    code = Number(preferences.code);
    if (!operation.statuses.includes(code)) {
      return problem(form.field('code'), `${operation.id} declares no ${code} answer; it declares ${operation.statuses.join(', ')}.`);
    }
  }

  /** @type {boolean | undefined} */
  let dynamic;
  if (preferences.dynamic !== undefined) {
    if (preferences.dynamic !== 'true' && preferences.dynamic !== 'false') return problem(form.field('dynamic'), `${form.label('dynamic')} must be true or false.`);
    dynamic = preferences.dynamic === 'true';
  }

  /** @type {string | undefined} */
  let exampleKey;
  if (preferences.example !== undefined) {
    if (!preferences.example)
      return problem(form.field('example'), `${form.label('example')} needs a scenario name, as in ${form.write([['example', operation.defaultScenario ?? 'name']])}.`);
    if (dynamic) {
      return problem(
        form.field('dynamic'),
        `${form.label('example')} and ${form.label('dynamic')}true cannot be combined: a named example is a fixed answer, dynamic=true generates one from the schema.`,
      );
    }
    const status = code ?? operation.defaultStatus;
    const response = operation.responses.find((candidate) => candidate.status === status);
    if (!response?.examples.some((example) => example.name === preferences.example)) {
      return problem(
        form.field('example'),
        `${operation.id} has no ${status} scenario named "${shorten(preferences.example)}".${hintFor(operation, preferences.example, response, form)}`,
      );
    }
    exampleKey = preferences.example;
  }
  /** @type {Preference} */
  const chosen = {};
  if (code !== undefined) chosen.code = code;
  if (exampleKey !== undefined) chosen.exampleKey = exampleKey;
  if (dynamic !== undefined) chosen.dynamic = dynamic;
  return chosen;
}

/**
 * @param {OperationModel} operation
 * @param {string} name
 * @param {ResponseModel | undefined} response
 * @param {Form} form
 */
function hintFor(operation, name, response, form) {
  const elsewhere = operation.responses.find((candidate) => candidate.examples.some((example) => example.name === name));
  if (elsewhere) {
    /** @type {[string, string | number][]} */
    const pairs =
      elsewhere.status === operation.defaultStatus
        ? [['example', name]]
        : [
            ['code', elsewhere.status],
            ['example', name],
          ];
    return ` It is a ${elsewhere.status} scenario: send ${form.write(pairs)}.`;
  }
  const names = response?.examples.map((example) => example.name) ?? [];
  const near = closest(name.toLowerCase(), names);
  return `${near ? ` Did you mean "${near}"?` : ''} The ${response?.status ?? ''} scenarios are: ${names.join(', ') || 'none'}.`;
}

/**
 * @param {Form} form
 * @param {string} name
 * @returns {{ problem: Violation }}
 */
function unknownPreference(form, name) {
  const near = closest(name, PREFERENCES);
  const what = form === HEADER ? `preference "${shorten(name)}"` : `query parameter "__${shorten(name)}"`;
  return problem(
    form === HEADER ? 'Prefer' : `__${shorten(name)}`,
    `The mock does not know the ${what}.${near ? ` Did you mean ${form.label(near)}?` : ''} It understands ` +
      `${PREFERENCES.map(form.label).join(', ')}, as in ${form.write([
        ['code', 401],
        ['example', 'tokenExpired'],
      ])}.`,
  );
}

/** @param {string} text */
function nameAndValue(text) {
  const equals = text.indexOf('=');
  const name = (equals < 0 ? text : text.slice(0, equals)).trim().toLowerCase();
  let value = equals < 0 ? '' : text.slice(equals + 1).trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
  return { name, value };
}

/**
 * @param {string} text
 * @param {string} separator
 */
function splitOutsideQuotes(text, separator) {
  /** @type {string[]} */
  const parts = [];
  let start = 0;
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === '\\' && quoted) index++;
    else if (character === '"') quoted = !quoted;
    else if (character === separator && !quoted) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * The candidate within two edits of `name` (a misspelling), if any.
 * @param {string} name
 * @param {string[]} candidates
 */
export function closest(name, candidates) {
  /** @type {string | null} */
  let best = null;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/**
 * @param {string} a
 * @param {string} b
 */
function editDistance(a, b) {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return Infinity;
  /** @type {number[]} */
  let before = [];
  /** @type {number[]} */
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    /** @type {number[]} */
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        /** @type {number} */ (previous[j]) + 1,
        /** @type {number} */ (current[j - 1]) + 1,
        /** @type {number} */ (previous[j - 1]) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      // A swap of two neighbours is one edit ("exmaple").
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(/** @type {number} */ (current[j]), /** @type {number} */ (before[j - 2]) + 1);
    }
    [before, previous] = [previous, current];
  }
  return /** @type {number} */ (previous[b.length]);
}

/** @param {string} text */
const shorten = (text) => (text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text);

/**
 * @param {string} field
 * @param {string} message
 * @returns {{ problem: Violation }}
 */
function problem(field, message) {
  return { problem: { field, message } };
}
