// The mock generates answers from the schemas (`Prefer: dynamic=true`, Prism's json-schema-faker),
// which honours allOf/anyOf but not if/then: a constraint written as if/then would make a share of
// the generated answers break their own schema (the mock then answers 500). The rule that a
// verification answer is a result or a complete failure is written as anyOf for that reason; this
// proves the generated answers keep to it, over many draws of every operation it applies to.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { operation, responseSchemaErrors, send, startMockProcess, validRequest, type MockProcess } from './mock-process.js';

const VERIFICATION_OPERATIONS = ['verifyIdFront', 'verifyIdBack', 'verifyLiveness', 'linkUserWithExistingTransaction', 'ocrIdFront', 'ocrIdBack', 'ocrLiveness'];
const DRAWS = 12;

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess();
});
afterAll(async () => {
  await mock?.stop();
});

it.each(VERIFICATION_OPERATIONS)('%s: every generated answer (Prefer: dynamic=true) is valid against its schema', async (operationId) => {
  const target = operation(operationId);
  const broken: string[] = [];
  for (let draw = 0; draw < DRAWS; draw += 1) {
    const request = validRequest(target);
    request.headers.Prefer = 'dynamic=true';
    const answer = await send(mock.url, request);
    if (answer.status !== 200) broken.push(`HTTP ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    else broken.push(...responseSchemaErrors(target, 200, answer.body).map((error: unknown) => JSON.stringify(error)));
  }
  expect(broken).toEqual([]);
});
