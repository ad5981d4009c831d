// Which scenario a request asks for, read the way Prism reads it (the Prefer header, or the __code /
// __example / __dynamic query parameters when there is no Prefer header), but checked against the
// operation first so that a misspelt scenario gets a clear 400 naming the ones that exist instead of
// Prism's problem+json.

const MAX_SHOWN = 120;

export function chooseScenario(prism, operation, headers, searchParams) {
  const preferences = headers.prefer !== undefined
    ? prism.parsePrefer(headers.prefer)
    : { code: searchParams.get('__code') ?? undefined, example: searchParams.get('__example') ?? undefined, dynamic: searchParams.get('__dynamic') ?? undefined };
  const where = headers.prefer !== undefined ? 'Prefer' : 'query';

  let code;
  if (preferences.code !== undefined) {
    if (typeof preferences.code !== 'string' || !/^\d{3}$/.test(preferences.code)) {
      return problem(where, 'code', 'code= must be a three-digit HTTP status, as in Prefer: code=401, example=unauthorized.');
    }
    code = Number(preferences.code);
    if (!operation.statuses.has(code)) {
      return problem(where, 'code', `${operation.id} declares no ${code} answer; it declares ${[...operation.statuses].join(', ')}.`);
    }
  }

  let dynamic;
  if (preferences.dynamic !== undefined) {
    if (preferences.dynamic !== 'true' && preferences.dynamic !== 'false') return problem(where, 'dynamic', 'dynamic= must be true or false.');
    dynamic = preferences.dynamic === 'true';
  }

  let exampleKey;
  if (preferences.example !== undefined) {
    if (typeof preferences.example !== 'string' || preferences.example === '') return problem(where, 'example', 'example= needs a scenario name.');
    const status = code ?? operation.responses.find((response) => response.status < 300)?.status;
    const response = operation.responses.find((candidate) => candidate.status === status);
    if (!response?.examples.some((example) => example.name === preferences.example)) {
      const elsewhere = operation.responses.find((candidate) => candidate.examples.some((example) => example.name === preferences.example));
      const shown = preferences.example.length > MAX_SHOWN ? `${preferences.example.slice(0, MAX_SHOWN)}…` : preferences.example;
      const hint = elsewhere
        ? ` It is a ${elsewhere.status} scenario: send Prefer: code=${elsewhere.status}, example=${preferences.example}.`
        : ` The ${status} scenarios are: ${response?.examples.map((example) => example.name).join(', ') || 'none'}.`;
      return problem(where, 'example', `${operation.id} has no ${status} scenario named "${shown}".${hint}`);
    }
    exampleKey = preferences.example;
  }
  return { code, exampleKey, dynamic };
}

function problem(where, preference, message) {
  return { problem: { field: where === 'Prefer' ? 'Prefer' : `__${preference}`, message } };
}
