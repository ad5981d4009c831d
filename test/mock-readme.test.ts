// The sandbox guide's scenario table (docs/sandbox.md) is generated from the description (node
// scripts/mock-readme.mjs); this fails when the description gains, loses or renames a scenario and
// the guide was not regenerated.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listScenarios } from '../scripts/lib/description.mjs';
import { SCENARIO_GUIDE_PATH, renderMockReadme } from '../scripts/mock-readme.mjs';
import { INSTALL_HINT } from '../mocks/node/prism.js';
import { bundle } from './mock-process.js';

const readme = readFileSync(SCENARIO_GUIDE_PATH, 'utf8');

describe('docs/sandbox.md: the scenarios', () => {
  it('has the scenario table the description gives (run node scripts/mock-readme.mjs)', () => {
    expect(renderMockReadme(readme)).toBe(readme);
  });

  it('lists every scenario of every operation', () => {
    for (const { operationId, scenarios } of listScenarios(bundle) as { operationId: string; scenarios: { name: string }[] }[]) {
      for (const { name } of scenarios) expect(readme, `${operationId} ${name}`).toContain(`\`${name}\``);
    }
  });

  it('notices a renamed scenario', () => {
    const renamed = structuredClone(bundle);
    const examples = renamed.paths['/api/DigitalIdentity/verify/liveness/multi'].post.responses['200'].content['application/json'].examples;
    examples.livenessRejected = examples.livenessFailed;
    delete examples.livenessFailed;
    expect(renderMockReadme(readme, renamed)).not.toBe(readme);
  });

  it('says what to install when Prism is missing, in the words the mock uses', () => {
    expect(readme).toContain(INSTALL_HINT);
  });
});
