// The faithful stand-in (faithful-server.mjs) with its answers changed in the four ways issue 20 names
// a real backend drifting from the description: a renamed member, a widened type, an error code the
// catalogue does not list, and a PascalCase envelope. Everything else stays faithful, so the proxy's
// report must name exactly these. DEVIATIONS lists them: per operation, the rule and the JSON pointer
// the report must show.
import { startFaithfulServer } from './faithful-server.mjs';

export const UNLISTED_CODE = 6123;

export const DEVIATIONS = {
  // idFrontData.idNumber spelt IdNumber.
  verifyIdFront: { rule: 'renamed-member', pointer: '/data/idFrontData/IdNumber' },
  // idBackData.idNumber sent as a number.
  verifyIdBack: { rule: 'type', pointer: '/data/idBackData/idNumber' },
  // A liveness business error with a code no source lists.
  verifyLiveness: { rule: 'error-code', pointer: '/error_code' },
  // The whole envelope in PascalCase (as the third-party proxy of the facts file answers).
  checkExistenceOfEmailOrPhone: { rule: 'renamed-member', pointer: '/data' },
};

/** @param {string} key */
const pascal = (key) => key.replace(/(^|_)([a-z])/g, (/** @type {string} */ _match, /** @type {string} */ _separator, /** @type {string} */ letter) => letter.toUpperCase());

/**
 * @param {any} body
 * @param {{ route: string, status: number }} answered
 */
function deviate(body, { route, status }) {
  if (!body || typeof body !== 'object' || status !== 200) return body;
  if (route.endsWith('/verify/id/front') && body.data?.idFrontData) {
    const { idNumber, ...rest } = body.data.idFrontData;
    return { ...body, data: { ...body.data, idFrontData: { ...rest, IdNumber: idNumber } } };
  }
  if (route.endsWith('/verify/id/back') && body.data?.idBackData) {
    return { ...body, data: { ...body.data, idBackData: { ...body.data.idBackData, idNumber: Number(body.data.idBackData.idNumber) } } };
  }
  if (route.endsWith('/verify/liveness/multi')) {
    return { data: null, services: { liveness: false }, error_code: UNLISTED_CODE, error_message: 'Face matching service is busy, try again later.', error_descriptions: null };
  }
  if (route.endsWith('/checkexistenceofemailorphone')) return Object.fromEntries(Object.entries(body).map(([key, value]) => [pascal(key), value]));
  return body;
}

/** @param {Parameters<typeof startFaithfulServer>[0]} options */
export function startDeviatingServer(options) {
  return startFaithfulServer({ ...options, rewrite: deviate });
}
