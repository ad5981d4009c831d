// An example that no longer matches its schema must fail loudly, the way `prism mock --errors` turns a
// response violation into an error. The mock checks every scenario through Prism when it starts (and
// refuses to start), and a drifted answer met at run time is a 500 naming the example and the violations.

export class ExampleDriftError extends Error {
  constructor(drifts) {
    super(
      `The description's examples do not match their schemas (${drifts.length}):\n` +
        drifts.map((drift) => `  - ${drift}`).join('\n'),
    );
    this.name = 'ExampleDriftError';
    this.drifts = drifts;
  }
}

const describeViolation = (violation) => `${(violation.path ?? []).join('.') || '(root)'}: ${violation.message}`;

export function describeDrift(description, operation, name, status, violations) {
  const model = description.refusalModels.internalError;
  return {
    status: 500,
    scenario: `drift:${name}`,
    body: {
      ...model,
      error_message: `Mock description error: the ${status} example "${name}" of ${operation.id} does not match its schema.`,
      error_descriptions: violations.slice(0, 20).map((violation) => ({ field: (violation.path ?? []).slice(1).join('.') || null, message: describeViolation(violation) })),
    },
  };
}

/** Asks Prism for every scenario of every operation and validates every request example. */
export async function checkExamples(context) {
  const drifts = [];
  for (const operation of context.description.operations) {
    for (const response of operation.responses) {
      for (const example of response.examples) {
        const result = await context.instance.request(
          { method: operation.method.toLowerCase(), url: { path: operation.path, query: exampleQuery(operation) }, headers: exampleHeaders(operation), body: undefined },
          [operation.bodylessResource],
          { mock: { dynamic: false, code: response.status, exampleKey: example.name }, validateResponse: true },
        )();
        if (result._tag === 'Left') {
          drifts.push(`${operation.id} ${response.status} "${example.name}": Prism could not serve it (${result.left.detail ?? result.left.message})`);
          continue;
        }
        const { output, validations } = result.right;
        const errors = validations.output.filter((violation) => violation.severity === 0);
        if (output.statusCode !== response.status) drifts.push(`${operation.id} ${response.status} "${example.name}": Prism answered ${output.statusCode}`);
        for (const violation of errors) drifts.push(`${operation.id} ${response.status} "${example.name}": ${describeViolation(violation)}`);
        if (errors.length === 0) context.validated.add(`${operation.id} ${response.status} ${example.name}`);
      }
    }
    for (const [name, example] of requestExamples(context.description.document, operation)) {
      for (const violation of context.validateBody(operation, example)) {
        drifts.push(`${operation.id} request example "${name}": ${violation.field}: ${violation.message}`);
      }
    }
  }
  if (drifts.length > 0) throw new ExampleDriftError(drifts);
}

// Parameters do not decide which example is served; required ones are filled from their own examples
// so that Prism's parameter validation stays quiet.
function exampleQuery(operation) {
  return Object.fromEntries((operation.resource.request?.query ?? []).filter((parameter) => parameter.required).map((parameter) => [parameter.name, String(parameter.examples?.[0]?.value ?? 'x')]));
}

function exampleHeaders(operation) {
  return Object.fromEntries((operation.resource.request?.headers ?? []).filter((parameter) => parameter.required).map((parameter) => [parameter.name.toLowerCase(), String(parameter.examples?.[0]?.value ?? 'x')]));
}

function requestExamples(document, operation) {
  const media = document.paths[operation.path][operation.method.toLowerCase()].requestBody;
  const content = (media?.$ref ? null : media)?.content?.['application/json'];
  return Object.entries(content?.examples ?? {}).map(([name, example]) => [name, example.value]);
}
