// Outcome coverage: how often each scenario of each operation answered a tenant's requests (by any
// means: the flow, Prefer, a queued outcome, a planned one, a magic value) and how often each fault
// struck, so a test plan can show it went through every documented failure. Bounded: one counter per
// scenario and fault the description and the sandbox have.

/** @import { Answer, StruckFault } from '../types.js' */
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
