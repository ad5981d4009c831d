// Magic values: data an app already sends (the phone number or email a user registers with) that picks
// the outcome of that user's calls, as Onfido's applicant names and Plaid's test users do. Chosen so
// that nobody uses them for real:
// - phone numbers +20 19 CC NNNNNN: Egyptian-looking mobile numbers, but 019 is no Egyptian mobile
//   prefix (the National Telecom Regulatory Authority's plan assigns 010, 011, 012 and 015); CC picks
//   the outcome, NNNNNN is free, so each test can have its own user;
// - emails under the `.test` top-level domain, reserved for testing by RFC 2606, whose local part
//   carries tags after `+`: `qa+liveness.spoofDetected@example.test`. Scenario names match in any
//   letter case; a tag that names no scenario is refused at registration, with the valid ones.

export const PHONE_PATTERN = /^\+2019(\d{2})\d{6}$/;
export const EMAIL_PATTERN = /^[^@+]+(\+[A-Za-z0-9.]+)+@[^@]+\.test$/i;

/** @typedef {'front' | 'back' | 'liveness' | 'link' | 'login'} FlowStep */

/** Phone outcome codes: the two digits after +2019. @type {Record<string, [FlowStep, string] | [null, null]>} */
export const PHONE_CODES = {
  '00': [null, null],
  11: ['front', 'invalidIdNumber'],
  12: ['front', 'cardNotDetected'],
  13: ['front', 'qualityTooLow'],
  14: ['front', 'fakeDocument'],
  15: ['front', 'noFaceOnCard'],
  21: ['back', 'documentExpired'],
  22: ['back', 'idNumberMismatch'],
  23: ['back', 'cardNotDetected'],
  24: ['back', 'qualityTooLow'],
  31: ['liveness', 'validatedNotVerified'],
  32: ['liveness', 'livenessFailed'],
  33: ['liveness', 'spoofDetected'],
  34: ['liveness', 'amlMatched'],
  35: ['liveness', 'noFaceDetected'],
  36: ['liveness', 'multipleFaces'],
  37: ['liveness', 'facesIdentical'],
  41: ['login', 'otpRequired'],
};

/** @type {FlowStep[]} */
export const FLOW_ORDER = ['front', 'back', 'liveness', 'link', 'login'];

/**
 * The tags of a magic email, or [] for any other value.
 * @param {string | null | undefined} email
 */
const tagsOf = (email) => (email && EMAIL_PATTERN.test(email) ? email.slice(0, email.indexOf('@')).split('+').slice(1) : []);

/**
 * What a magic tag asks for: `[step, scenario]` with the scenario's own spelling, or null when it names none.
 * @param {string} tag
 * @param {(step: FlowStep) => string[]} stepScenarios
 * @returns {[FlowStep, string] | null}
 */
function readTag(tag, stepScenarios) {
  /** @param {FlowStep} step @param {string} name */
  const find = (step, name) => stepScenarios(step).find((scenario) => scenario.toLowerCase() === name.toLowerCase());
  const dot = tag.indexOf('.');
  if (dot > 0) {
    const step = /** @type {FlowStep} */ (tag.slice(0, dot).toLowerCase());
    const scenario = FLOW_ORDER.includes(step) ? find(step, tag.slice(dot + 1)) : undefined;
    return scenario ? [step, scenario] : null;
  }
  // A bare scenario name: the first step of the flow that has it.
  for (const step of FLOW_ORDER) {
    const scenario = find(step, tag);
    if (scenario) return [step, scenario];
  }
  return null;
}

/**
 * The `{ step: scenario }` a user's phone number and email ask for, step by step (for a step both
 * name, the email's tag wins).
 * @param {{ phoneNumber: string | null, email: string | null } | null} user
 * @param {(step: FlowStep) => string[]} stepScenarios
 * @returns {Partial<Record<FlowStep, string>>}
 */
export function magicOutcomes(user, stepScenarios) {
  /** @type {Partial<Record<FlowStep, string>>} */
  const outcomes = {};
  const phone = user?.phoneNumber ? PHONE_PATTERN.exec(user.phoneNumber) : null;
  const [step, scenario] = phone ? (PHONE_CODES[/** @type {string} */ (phone[1])] ?? [null, null]) : [null, null];
  if (step && scenario) outcomes[step] = scenario;
  for (const tag of tagsOf(user?.email)) {
    const read = readTag(tag, stepScenarios);
    if (read) outcomes[read[0]] = read[1];
  }
  return outcomes;
}

/**
 * Why a phone number or email that looks magic names no outcome (a misspelt tag, an unassigned code),
 * with the valid values; [] when it names one or does not look magic.
 * @param {{ phoneNumber?: string | null, email?: string | null }} values
 * @param {(step: FlowStep) => string[]} stepScenarios
 * @returns {{ field: string, message: string }[]}
 */
export function unknownMagic({ phoneNumber, email }, stepScenarios) {
  const problems = [];
  const phone = phoneNumber ? PHONE_PATTERN.exec(phoneNumber) : null;
  const phoneCode = phone?.[1] ?? '';
  if (phone && !(phoneCode in PHONE_CODES)) {
    problems.push({
      field: 'phoneNumber',
      message: `+2019${phone[1]}… is a sandbox test number whose code ${phone[1]} names no outcome; the codes are: ${Object.entries(PHONE_CODES)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([code, [step, scenario]]) => `${code} (${step ? `${step}.${scenario}` : 'no outcome'})`)
        .join(', ')}.`,
    });
  }
  const unknown = tagsOf(email).filter((tag) => readTag(tag, stepScenarios) === null);
  if (unknown.length > 0) {
    const valid = FLOW_ORDER.map((step) => `${step}: ${stepScenarios(step).join(', ')}`).join('; ');
    problems.push({
      field: 'email',
      message: `The sandbox test address tag${unknown.length > 1 ? 's' : ''} ${unknown.map((tag) => `"${tag.slice(0, 60)}"`).join(', ')} name${unknown.length > 1 ? '' : 's'} no scenario. Write <step>.<scenario> or a bare scenario name, from ${valid}.`,
    });
  }
  return problems;
}

/** The table for the catalog. */
export function magicCatalog() {
  return {
    phones: {
      pattern: PHONE_PATTERN.source,
      description:
        "Egyptian-looking mobile numbers with the unassigned prefix 019 (+20 19 CC NNNNNN): the two digits CC pick the outcome of that user's calls, the last six are free. A code not listed is refused at registration.",
      codes: Object.entries(PHONE_CODES)
        .map(([code, [step, scenario]]) => ({ code: code.padStart(2, '0'), step, scenario }))
        .sort((a, b) => a.code.localeCompare(b.code)),
    },
    emails: {
      pattern: EMAIL_PATTERN.source,
      description:
        'An address under the reserved .test domain with tags after + in its local part: <step>.<scenario> (steps front, back, liveness, link, login) or a bare scenario name, which applies to the first step of the flow that has it. Scenario names match in any letter case; a tag that names no scenario is refused at registration.',
      example: 'qa+back.documentExpired+liveness.amlMatched@example.test',
    },
  };
}
