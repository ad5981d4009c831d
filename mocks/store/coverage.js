// Outcome coverage: how often each scenario of each operation answered a tenant's requests (by any
// means: the flow, Prefer, a queued outcome, a planned one, a magic value) and how often each fault
// struck, so a test plan can show it went through every documented failure. Bounded: one counter per
// scenario and fault the description and the sandbox have.

import { FAULTS } from '../engine/faults.js';

/** @import { Answer, DescriptionModel, FaultName, StruckFault } from '../types.js' */
/** @import { Tenant } from './tenants.js' */

/** @typedef {{ answers: Map<string, Map<string, number>>, faults: Map<string, number> }} CoverageState */

/**
 * Counts one answer (and the fault that struck it) for the tenant.
 * @param {Tenant} tenant
 * @param {string} operationId
 * @param {Answer} answer
 * @param {StruckFault | null} fault
 */
export function recordCoverage(tenant, operationId, answer, fault) {
  const { coverage } = tenant;
  if (fault) coverage.faults.set(fault.fault, (coverage.faults.get(fault.fault) ?? 0) + 1);
  if (answer.status === 0) return;
  let byScenario = coverage.answers.get(operationId);
  if (!byScenario) coverage.answers.set(operationId, (byScenario = new Map()));
  const key = `${answer.status} ${answer.scenario}`;
  byScenario.set(key, (byScenario.get(key) ?? 0) + 1);
}

/**
 * The coverage report of a tenant (`GET /__vlens/coverage`): every scenario of every operation
 * reported, in the description's order, with how many answers it gave; every fault with how often it
 * struck; the answers that are no scenario of their operation (`other`, not counted); and the totals.
 * @param {DescriptionModel} model
 * @param {CoverageState} coverage
 * @param {{ only?: string[] | null, faults?: boolean }} [options] `only`: these operations alone; `faults`: whether faults count towards the totals (default true)
 */
export function coverageReport(model, coverage, { only = null, faults = true } = {}) {
  let covered = 0;
  let total = 0;
  const operations = model.operations
    .filter((operation) => only === null || only.includes(operation.id))
    .map((operation) => {
      const counts = coverage.answers.get(operation.id) ?? new Map();
      const declared = new Set();
      const scenarios = operation.responses.flatMap((response) =>
        response.examples.map((example) => {
          const key = `${response.status} ${example.name}`;
          declared.add(key);
          return { status: response.status, name: example.name, summary: example.summary, count: counts.get(key) ?? 0 };
        }),
      );
      const other = [...counts]
        .filter(([key]) => !declared.has(key))
        .map(([key, count]) => ({ status: Number(key.slice(0, key.indexOf(' '))), scenario: key.slice(key.indexOf(' ') + 1), count }));
      const hit = scenarios.filter((scenario) => scenario.count > 0).length;
      covered += hit;
      total += scenarios.length;
      return { operationId: operation.id, method: operation.method, path: operation.path, covered: hit, total: scenarios.length, scenarios, other };
    });
  const struck = /** @type {FaultName[]} */ (Object.keys(FAULTS)).map((fault) => ({ fault, count: coverage.faults.get(fault) ?? 0 }));
  if (faults) {
    covered += struck.filter((fault) => fault.count > 0).length;
    total += struck.length;
  }
  return { covered, total, ratio: total === 0 ? 1 : Math.round((covered / total) * 10_000) / 10_000, faultsCounted: faults, operations, faults: struck };
}

/** @typedef {ReturnType<typeof coverageReport>} CoverageReport */
