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

/**
 * Asks Prism for every scenario of every operation (which also fills the mock's answer cache) and
 * validates every request example against its schema; throws ExampleDriftError listing all drifts.
 */
export async function checkExamples(context, answerFor) {
  const drifts = [];
  for (const operation of context.description.operations) {
    await answerFor(context, operation, {}, { quiet: true });
    for (const response of operation.responses) {
      for (const example of response.examples) {
        const where = `${operation.id} ${response.status} "${example.name}"`;
        try {
          const answer = await answerFor(context, operation, { code: response.status, exampleKey: example.name }, { quiet: true });
          if (answer.scenario.startsWith('drift:')) {
            drifts.push(...answer.body.error_descriptions.map((violation) => `${where}: ${violation.message}`));
          } else if (answer.status !== response.status) {
            drifts.push(`${where}: Prism answered ${answer.status}`);
          }
        } catch (error) {
          drifts.push(`${where}: ${error.message}`);
        }
      }
    }
    for (const [name, example] of requestExamples(context.description.document, operation)) {
      for (const violation of context.validators.body(operation, example)) {
        drifts.push(`${operation.id} request example "${name}": ${violation.field}: ${violation.message}`);
      }
    }
  }
  if (drifts.length > 0) throw new ExampleDriftError(drifts);
}

function requestExamples(document, operation) {
  const media = document.paths[operation.path][operation.method.toLowerCase()].requestBody;
  const content = (media?.$ref ? null : media)?.content?.['application/json'];
  return Object.entries(content?.examples ?? {}).map(([name, example]) => [name, example.value]);
}
