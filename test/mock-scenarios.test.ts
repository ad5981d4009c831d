// Every scenario of every operation, asked for over real HTTP from the real mock process: the scenario
// list comes from the description (listScenarios), the expected answer is the named example itself.
// That is replay, so the mock runs --stateless here; test/sandbox-schema.test.ts asks the sandbox for
// every scenario and checks its filled answers against their schemas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listScenarios, resolveRef } from '../scripts/lib/description.mjs';
import { bundle, operation, responseSchemaErrors, send, startMockProcess, validRequest, type MockProcess } from './mock-process.js';

let mock: MockProcess;
beforeAll(async () => {
  mock = await startMockProcess(['--port', '0', '--stateless']);
});
afterAll(async () => {
  await mock?.stop();
});

interface Scenario {
  status: number;
  mediaType: string;
  name: string;
}
const catalogue = listScenarios(bundle) as { operationId: string; scenarios: Scenario[] }[];

function exampleValue(operationId: string, scenario: Scenario): unknown {
  const { operation: declared } = operation(operationId);
  const response = resolveRef(bundle, declared.responses[String(scenario.status)]);
  return resolveRef(bundle, response.content[scenario.mediaType].examples[scenario.name]).value;
}

it('covers every operation of the description', () => {
  expect(catalogue.map((entry) => entry.operationId).sort()).toEqual(
    Object.values(bundle.paths)
      .flatMap((item: any) => Object.values(item).map((op: any) => op.operationId))
      .sort(),
  );
});

describe.each(catalogue)('$operationId', ({ operationId, scenarios }) => {
  const target = operation(operationId);

  it('answers its first success example when no scenario is asked for', async () => {
    const first = scenarios.find((scenario) => scenario.status < 300)!;
    const answer = await send(mock.url, validRequest(target));
    expect(answer.status).toBe(first.status);
    expect(answer.body).toEqual(exampleValue(operationId, first));
  });

  it.each(scenarios.map((scenario) => [`${scenario.status} ${scenario.name}`, scenario] as const))('serves %s with Prefer: code=..., example=...', async (_label, scenario) => {
    const request = validRequest(target);
    request.headers.Prefer = `code=${scenario.status}, example=${scenario.name}`;
    const answer = await send(mock.url, request);
    expect(answer.status).toBe(scenario.status);
    expect(answer.body).toEqual(exampleValue(operationId, scenario));
    expect(responseSchemaErrors(target, scenario.status, answer.body)).toEqual([]);
  });

  it('serves success scenarios with Prefer: example=... alone, and with the __example query parameter', async () => {
    for (const scenario of scenarios.filter((candidate) => candidate.status < 300)) {
      const byHeader = validRequest(target);
      byHeader.headers.Prefer = `example=${scenario.name}`;
      expect((await send(mock.url, byHeader)).body).toEqual(exampleValue(operationId, scenario));
      const byQuery = validRequest(target);
      byQuery.query.__example = scenario.name;
      expect((await send(mock.url, byQuery)).body).toEqual(exampleValue(operationId, scenario));
    }
  });
});

it('generates a schema-valid answer for Prefer: dynamic=true', async () => {
  const target = operation('verifyLiveness');
  const request = validRequest(target);
  request.headers.Prefer = 'dynamic=true';
  const answer = await send(mock.url, request);
  expect(answer.status).toBe(200);
  expect(responseSchemaErrors(target, 200, answer.body)).toEqual([]);
});
