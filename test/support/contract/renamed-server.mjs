// The faithful stand-in (faithful-server.mjs), with every answer's members renamed the ways a
// proxy or a drifting backend renames them: the envelope in PascalCase (as the third-party proxy of
// the facts does), the whole body inside a wrapper object, the members of `data` in PascalCase, the
// refusals' envelope in camelCase. The values and the statuses stay right, so only the names are
// wrong. `contract:live` pointed at it must fail and name the members it misses.
//
// RENAMED lists, per operation and status, the members the report must name as missing. RESPELT
// lists, per operation, the envelope members it sends under another spelling while keeping `data`
// (`Error_Code`, as a drifting serialiser might write it): nothing is missing there, so the report
// must name each respelt member itself.
import { startFaithfulServer } from './faithful-server.mjs';

/** @typedef {(key: string) => string} Rename */

/** @type {Rename} */
const pascal = (key) => key.replace(/(^|_)([a-z])/g, (_match, _separator, /** @type {string} */ letter) => letter.toUpperCase());
/** @type {Rename} */
const camel = (key) => key.replace(/_([a-z])/g, (_match, /** @type {string} */ letter) => letter.toUpperCase());
/** @type {(object: object, rename: Rename) => Record<string, unknown>} */
const renameKeys = (object, rename) => Object.fromEntries(Object.entries(object).map(([key, value]) => [rename(key), value]));

export const RENAMED = {
  // The proxy's envelope: Data, Services, ErrorCode, ErrorMessage, ErrorDescriptions.
  verifyIdFront: ['/data'],
  // Wrapped: { result: { data, services, ... } }.
  ocrIdFront: ['/data'],
  // data's own members in PascalCase.
  getUserDigitalIdentityImages: ['/data/idFrontImage', '/data/livenessFace03Image'],
  // Refusals with errorCode and errorMessage.
  401: ['/error_code', '/error_message'],
};

export const RESPELT = {
  // data kept; Error_Code, Error_Message, Error_Descriptions.
  checkExistenceOfEmailOrPhone: ['Error_Code', 'Error_Message', 'Error_Descriptions'],
};
/** @type {Rename} */
const respell = (key) =>
  key.startsWith('error_') ? key.replace(/(^|_)([a-z])/g, (_match, /** @type {string} */ separator, /** @type {string} */ letter) => `${separator}${letter.toUpperCase()}`) : key;

/**
 * Which renaming an answer gets, by its route.
 * @param {unknown} body
 * @param {{ route: string, status: number }} context
 * @returns {unknown}
 */
function renamed(body, { route, status }) {
  if (!body || typeof body !== 'object') return body;
  if (status >= 400) return renameKeys(body, camel);
  if (route.startsWith('POST /v1/ocr/')) return { result: body };
  if (route.endsWith('/checkexistenceofemailorphone')) return renameKeys(body, respell);
  if (route.includes('/verify/') || route.endsWith('/linkuserwithexistingtransaction')) return renameKeys(body, pascal);
  if ('data' in body && body.data && typeof body.data === 'object' && !Array.isArray(body.data)) return { ...body, data: renameKeys(body.data, pascal) };
  return body;
}

/** @param {Parameters<typeof startFaithfulServer>[0]} options */
export function startRenamedServer(options) {
  return startFaithfulServer({ ...options, rewrite: renamed });
}
