// What each operation of the control API does, on validated input (mocks/control/api.js routes and
// validates). The same functions serve the HTTP control API and the in-process control object.
import { ANY_OPERATION, DEFAULT_DELAY_MS } from '../engine/faults.js';
import { fileNames } from '../rules/operations.js';
import { transactionOf } from '../store/tenants.js';
import { problem } from './api.js';

/** @import { Answer, DescriptionModel, FaultName, SandboxLimits } from '../types.js' */
/** @import { FlowStep } from '../rules/magic.js' */
/** @import { ImageStore } from '../store/images.js' */
/** @import { Journal } from '../store/journal.js' */
/** @import { Store, Tenant, Transaction } from '../store/tenants.js' */

/**
 * @typedef {object} ControlContext
 * @property {Record<string, string>} params
 * @property {Record<string, unknown>} query
 * @property {any} body
 * @property {string} key the tenant's ApiKey ('' for the health check)
 * @property {Tenant} tenant
 */

/**
 * What the handlers work with (createSandbox's internals).
 * @typedef {object} ControlSubject
 * @property {DescriptionModel} model
 * @property {{ stateless: boolean }} settings
 * @property {SandboxLimits} limits
 * @property {Store} store
 * @property {Journal} journal
 * @property {ImageStore} images
 * @property {() => unknown} catalog
 * @property {(step: FlowStep) => string[]} stepScenarios
 * @property {() => number} now
 */

const MAX_STEERING_ENTRIES = 1000;
const SHOWN_IDS = 20;
const FLOW_STEPS = /** @type {const} */ (['front', 'back', 'liveness']);

/** @param {number} status @param {unknown} body @returns {Answer} */
const ok = (status, body) => ({ status, body, scenario: '-' });

/** @param {ControlSubject} sandbox */
export function createControlHandlers(sandbox) {
  const { model, settings, limits, store, journal, images } = sandbox;
  /** @param {unknown} operationId */
  const unknownOperation = (operationId) =>
    problem(400, 'Unknown operation', `The API has no operation "${String(operationId).slice(0, 120)}".`, 'operationId', model.operations.map((operation) => operation.id));
  const statelessProblem = () =>
    problem(404, 'No state', 'This mock runs with --stateless: it replays the examples and keeps no transactions. Start it without --stateless for the sandbox.', null);
  /** @param {string} id */
  const operationOf = (id) => model.operations.find((operation) => operation.id === id);

  /**
   * A transaction as the control API shows it.
   * @param {Tenant} tenant
   * @param {Transaction} transaction
   */
  function transactionView(tenant, transaction) {
    const user = transaction.userId === null ? null : tenant.users.get(transaction.userId);
    const names = new Map(/** @type {[import('../store/images.js').ImageRecord, string][]} */ (Object.values(fileNames(transaction)).filter((file) => file !== null).map((file) => [file.record, file.name])));
    /** @param {number} ms */
    const iso = (ms) => new Date(ms).toISOString();
    return {
      id: transaction.id,
      createdAt: iso(transaction.createdAt),
      updatedAt: iso(transaction.updatedAt),
      expiresAt: iso(transaction.expiresAt),
      user: user ? { id: user.id, phoneNumber: user.phoneNumber, email: user.email } : null,
      linked: transaction.linked,
      outcome: {
        state: transaction.validated ? (transaction.verified ? 'verified' : 'validated') : 'incomplete',
        validated: transaction.validated,
        verified: transaction.verified,
      },
      steps: FLOW_STEPS.filter((step) => transaction.steps[step]).map((step) => {
        const recorded = /** @type {import('../store/tenants.js').StepRecord} */ (transaction.steps[step]);
        return {
          step,
          operationId: recorded.operationId,
          scenario: recorded.scenario,
          succeeded: recorded.succeeded,
          at: iso(recorded.at),
          images: Object.values(recorded.images).map((record) => ({ ...images.summary(record), fileName: names.get(record) })),
        };
      }),
      plannedOutcomes: tenant.planned.get(transaction.id) ?? {},
    };
  }

  const handlers = {
    getHealth: () => ok(200, { status: 'ok' }),
    getCatalog: () => ok(200, sandbox.catalog()),
    /** @param {ControlContext} context */
    resetTenant: ({ key }) => {
      store.reset(key);
      return { status: 204, body: undefined, scenario: '-' };
    },
    /** @param {ControlContext} context */
    getTransaction({ tenant, params }) {
      if (settings.stateless) return statelessProblem();
      const id = String(params.id).toLowerCase();
      const transaction = transactionOf(tenant, id, sandbox.now());
      if (!transaction) {
        const latest = [...tenant.transactions.keys()].slice(-SHOWN_IDS).reverse();
        return problem(404, 'Unknown transaction', `This tenant has no transaction ${id}${latest.length ? '' : ' (it has none)'}.`, 'id', latest);
      }
      return ok(200, transactionView(tenant, transaction));
    },
    /** @param {ControlContext} context */
    setTransactionOutcomes({ tenant, params, body }) {
      if (settings.stateless) return statelessProblem();
      for (const [step, scenario] of Object.entries(/** @type {Record<string, string>} */ (body))) {
        const names = sandbox.stepScenarios(/** @type {FlowStep} */ (step));
        const known = names.find((name) => name.toLowerCase() === scenario.toLowerCase());
        if (!known) return problem(400, 'Unknown scenario', `No operation of the ${step} step has a scenario named "${scenario.slice(0, 120)}".`, step, names);
        body[step] = known;
      }
      const id = String(params.id).toLowerCase();
      tenant.planned.delete(id);
      tenant.planned.set(id, { ...body });
      while (tenant.planned.size > limits.maxTransactionsPerTenant) tenant.planned.delete(/** @type {string} */ (tenant.planned.keys().next().value));
      return ok(200, { transactionId: id, plannedOutcomes: { ...body } });
    },
    /** @param {ControlContext} context */
    queueOutcome({ tenant, body }) {
      const operation = operationOf(body.operationId);
      if (!operation) return unknownOperation(body.operationId);
      const scenarios = operation.responses.flatMap((response) => response.examples.map((example) => ({ status: response.status, name: example.name })));
      const matches = scenarios.filter((scenario) => scenario.name === body.scenario && (body.status === undefined || scenario.status === body.status));
      if (matches.length === 0) {
        const allowed = [...new Set(scenarios.filter((scenario) => body.status === undefined || scenario.status === body.status).map((scenario) => scenario.name))];
        const at = body.status === undefined ? '' : ` with status ${body.status}`;
        return problem(400, 'Unknown scenario', `${operation.id} has no scenario named "${String(body.scenario).slice(0, 120)}"${at}.`, 'scenario', allowed);
      }
      if (matches.length > 1) {
        return problem(400, 'Ambiguous scenario', `${operation.id} has a "${body.scenario}" scenario for several statuses: send status too.`, 'status', matches.map((match) => String(match.status)));
      }
      const status = /** @type {{ status: number }} */ (matches[0]).status;
      const queue = tenant.queue.get(operation.id) ?? [];
      if (queue.length >= MAX_STEERING_ENTRIES) return problem(400, 'Too many queued outcomes', `At most ${MAX_STEERING_ENTRIES} outcomes can wait for one operation.`, 'operationId');
      const times = body.times ?? 1;
      queue.push({ scenario: body.scenario, status, remaining: times });
      tenant.queue.set(operation.id, queue);
      const pending = queue.reduce((sum, queued) => sum + queued.remaining, 0);
      return ok(201, { operationId: operation.id, scenario: body.scenario, status, times, pending });
    },
    /** @param {ControlContext} context */
    addFault({ tenant, body }) {
      if (body.operationId !== undefined && !operationOf(body.operationId)) return unknownOperation(body.operationId);
      const key = body.operationId ?? ANY_OPERATION;
      const armed = tenant.faults.get(key) ?? [];
      if (armed.length >= MAX_STEERING_ENTRIES) return problem(400, 'Too many faults', `At most ${MAX_STEERING_ENTRIES} faults can wait for one operation.`, 'operationId');
      /** @type {FaultName} */
      const fault = body.fault;
      const delayMs = body.delayMs ?? (fault === 'delay' ? DEFAULT_DELAY_MS : 0);
      const times = body.times ?? 1;
      armed.push({ fault, delayMs, remaining: times });
      tenant.faults.set(key, armed);
      return ok(201, { operationId: body.operationId ?? null, fault, delayMs, times });
    },
    /** Every token the tenant issued or accepted expires: its next use gets 401 tokenExpired. @param {ControlContext} context */
    expireTokens({ tenant }) {
      let expired = 0;
      for (const token of tenant.tokens.values()) {
        if (token.expired) continue;
        token.expired = true;
        expired += 1;
      }
      for (const accepted of tenant.implicitUsers.values()) {
        if (accepted.expired) continue;
        accepted.expired = true;
        expired += 1;
      }
      return ok(200, { expired });
    },
    /** @param {ControlContext} context */
    listRequests({ tenant, query }) {
      if (query.operationId !== undefined && !operationOf(String(query.operationId))) return unknownOperation(query.operationId);
      /** @type {{ operationId?: string, limit?: number }} */
      const filter = {};
      if (query.operationId !== undefined) filter.operationId = String(query.operationId);
      if (query.limit !== undefined) filter.limit = Number(query.limit);
      return ok(200, journal.read(tenant, filter, images.summary));
    },
  };
  return handlers;
}

/** @typedef {ReturnType<typeof createControlHandlers>} ControlHandlers */
