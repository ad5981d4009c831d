// Magic values: data an app already sends (the phone number or email a user registers with) that picks
// the outcome of that user's calls, as Onfido's applicant names and Plaid's test users do. Chosen so
// that nobody uses them for real:
// - phone numbers +20 19 CC NNNNNN: Egyptian-looking mobile numbers, but 019 is no Egyptian mobile
//   prefix (the National Telecom Regulatory Authority's plan assigns 010, 011, 012 and 015); CC picks
//   the outcome, NNNNNN is free, so each test can have its own user;
// - emails under the `.test` top-level domain, reserved for testing by RFC 2606, whose local part
//   carries tags after `+`: `qa+liveness.spoofDetected@example.test`.

export const PHONE_PATTERN = /^\+2019(\d{2})\d{6}$/;
export const EMAIL_PATTERN = /^[^@+]+(\+[A-Za-z0-9.]+)+@[^@]+\.test$/i;

/** Phone outcome codes: the two digits after +2019. */
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

const FLOW_ORDER = ['front', 'back', 'liveness', 'link', 'login'];

/** The `{ step: scenario }` a user's phone number and email ask for (the email's tags win over the phone). */
export function magicOutcomes(user, stepScenarios) {
  const outcomes = {};
  const phone = user?.phoneNumber ? PHONE_PATTERN.exec(user.phoneNumber) : null;
  const [step, scenario] = phone ? (PHONE_CODES[phone[1]] ?? [null, null]) : [null, null];
  if (step) outcomes[step] = scenario;
  if (user?.email && EMAIL_PATTERN.test(user.email)) {
    const tags = user.email.slice(0, user.email.indexOf('@')).split('+').slice(1);
    for (const tag of tags) {
      const dot = tag.indexOf('.');
      if (dot > 0) {
        const [tagStep, tagScenario] = [tag.slice(0, dot), tag.slice(dot + 1)];
        if (FLOW_ORDER.includes(tagStep) && stepScenarios(tagStep).includes(tagScenario)) outcomes[tagStep] = tagScenario;
      } else {
        // A bare scenario name: the first step of the flow that has it.
        const first = FLOW_ORDER.find((candidate) => stepScenarios(candidate).includes(tag));
        if (first) outcomes[first] = tag;
      }
    }
  }
  return outcomes;
}

/** The table for the catalog. */
export function magicCatalog() {
  return {
    phones: {
      pattern: PHONE_PATTERN.source,
      description:
        'Egyptian-looking mobile numbers with the unassigned prefix 019 (+20 19 CC NNNNNN): the two digits CC pick the outcome of that user\'s calls, the last six are free.',
      codes: Object.entries(PHONE_CODES)
        .map(([code, [step, scenario]]) => ({ code: code.padStart(2, '0'), step, scenario }))
        .sort((a, b) => a.code.localeCompare(b.code)),
    },
    emails: {
      pattern: EMAIL_PATTERN.source,
      description:
        'An address under the reserved .test domain with tags after + in its local part: <step>.<scenario> (steps front, back, liveness, link, login) or a bare scenario name, which applies to the first step of the flow that has it.',
      example: 'qa+back.documentExpired+liveness.amlMatched@example.test',
    },
  };
}
