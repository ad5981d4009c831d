// The description declares application/json bodies; JSON sent as anything else is refused as
// ASP.NET refuses it (415), before the body is read.

/** @import { OperationModel, Violation } from '../types.js' */
/** @typedef {{ get(name: string): string | null }} HeaderReader */

/**
 * Whether the request carries a body, by its headers (a GET with Content-Length: 0 carries none).
 * @param {HeaderReader} headers
 */
export function bodyIsPresent(headers) {
  const length = headers.get('content-length');
  return headers.get('transfer-encoding') !== null || (length !== null && length !== '0');
}

/**
 * @param {OperationModel} operation
 * @param {HeaderReader} headers
 * @returns {Violation[]}
 */
export function checkContentType(operation, headers) {
  if (!operation.hasBody || !bodyIsPresent(headers)) return [];
  const header = headers.get('content-type');
  if (header === null) return [{ field: 'Content-Type', message: `The Content-Type header is missing: send the body as ${operation.bodyMediaTypes.join(' or ')}.` }];
  // Nearly every request sends the same few values: each is read once per operation's media types.
  let byHeader = verdicts.get(operation.bodyMediaTypes);
  if (!byHeader) verdicts.set(operation.bodyMediaTypes, (byHeader = new Map()));
  let problems = byHeader.get(header);
  if (!problems) {
    problems = readContentType(operation, header, operation.bodyMediaTypes.join(' or '));
    if (header.length <= 256 && byHeader.size < 64) byHeader.set(header, problems);
  }
  return problems;
}

// By the operation's media types (the model's array), then the header as sent.
/** @type {WeakMap<string[], Map<string, Violation[]>>} */
const verdicts = new WeakMap();

/**
 * @param {OperationModel} operation
 * @param {string} header
 * @param {string} expected
 * @returns {Violation[]}
 */
function readContentType(operation, header, expected) {
  const [type = '', ...parameters] = header.split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters
    .find((parameter) => parameter.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (!operation.bodyMediaTypes.includes(type)) return [{ field: 'Content-Type', message: `The body must be sent as ${expected}.` }];
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return [{ field: 'Content-Type', message: 'The body must be encoded as UTF-8.' }];
  return [];
}

/**
 * The length a request declares, or null when it declares none (or one that is not a number).
 * @param {HeaderReader} headers
 */
export function declaredLength(headers) {
  const length = headers.get('content-length');
  if (length === null || !/^\d+$/.test(length.trim())) return null;
  return Number(length);
}
