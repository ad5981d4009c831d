// What each operation of the control API does, on validated input (mocks/control/api.js routes and
// validates). The same functions serve the HTTP control API and the in-process control object.
import { ANY_OPERATION, DEFAULT_DELAY_MS } from '../engine/faults.js';
import { fileNames } from '../rules/operations.js';
import { coverageReport } from '../store/coverage.js';
import { decode } from '../store/images.js';
import { exportState, importState, MAX_STEERING_ENTRIES } from '../store/state.js';
import { transactionOf } from '../store/tenants.js';
import { problem } from './api.js';
import { coverageJunit, coverageMarkdown } from './coverage-formats.js';

/** @import { Answer, DescriptionModel, FaultName, SandboxLimits } from '../types.js' */
/** @import { FlowStep } from '../rules/magic.js' */
/** @import { ScenarioSet } from '../rules/scenarios.js' */
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
 * @property {(operationId: string) => Promise<ScenarioSet>} scenarios the scenarios of an operation of the model
 * @property {() => number} now
 * @property {AbortSignal} closed aborted when the sandbox stops: long polls answer at once
 */

const SHOWN_IDS = 20;
const DEFAULT_TRANSACTIONS_SHOWN = 50;
// The dashboard's policy: its own script and style only (no inline code), images from this origin and
// blob: (the uploads, fetched with the ApiKey header), requests to this origin only, no framing.
export const DASHBOARD_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** @type {Record<string, string>} */
const ASSET_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache', 'referrer-policy': 'no-referrer' };
/** The first bytes of the image formats a browser shows, and their content types. */
const IMAGE_SIGNATURES = /** @type {const} */ ([
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'image/png'],
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif'],
]);

/**
 * The content type an image's first bytes show, or application/octet-stream.
 * @param {Uint8Array} bytes
 */
export function imageType(bytes) {
  for (const [signature, type] of IMAGE_SIGNATURES) if (signature.every((byte, index) => bytes[index] === byte)) return type;
  // RIFF....WEBP
  if (bytes.length >= 12 && String.fromCharCode(...bytes.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'image/webp';
  return 'application/octet-stream';
}

/** @type {Promise<typeof import('../ui/assets.js')> | undefined} */
let dashboard;
// The dashboard's files are loaded on the first visit only: a sandbox nobody opens it on never holds them.
const dashboardAssets = () => (dashboard ??= import('../ui/assets.js'));
const FLOW_STEPS = /** @type {const} */ (['front', 'back', 'liveness']);

/** @param {number} status @param {unknown} body @returns {Answer} */
const ok = (status, body) => ({ status, body, scenario: '-' });

/** @param {ControlSubject} sandbox */
export function createControlHandlers(sandbox) {
  const { model, settings, limits, store, journal, images } = sandbox;
  /** @param {unknown} operationId */
  const unknownOperation = (operationId) =>
    problem(
      400,
      'Unknown operation',
      `The API has no operation "${String(operationId).slice(0, 120)}".`,
      'operationId',
      model.operations.map((operation) => operation.id),
    );
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
    const names = new Map(
      /** @type {[import('../store/images.js').ImageRecord, string][]} */ (
        Object.values(fileNames(transaction))
          .filter((file) => file !== null)
          .map((file) => [file.record, file.name])
      ),
    );
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
        return problem(
          400,
          'Ambiguous scenario',
          `${operation.id} has a "${body.scenario}" scenario for several statuses: send status too.`,
          'status',
          matches.map((match) => String(match.status)),
        );
      }
      const status = /** @type {{ status: number }} */ (matches[0]).status;
      const queue = tenant.queue.get(operation.id) ?? [];
      if (queue.length >= MAX_STEERING_ENTRIES)
        return problem(400, 'Too many queued outcomes', `At most ${MAX_STEERING_ENTRIES} outcomes can wait for one operation.`, 'operationId');
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
    /**
     * The journal, filtered; with `wait`, held until a newer entry is journaled (long polling), the
     * tenant is reset or the sandbox stops.
     * @param {ControlContext} context
     */
    async listRequests({ tenant, key, query }) {
      if (query.operationId !== undefined && !operationOf(String(query.operationId))) return unknownOperation(query.operationId);
      /** @type {import('../store/journal.js').JournalFilter} */
      const filter = {};
      if (query.operationId !== undefined) filter.operationId = String(query.operationId);
      if (query.status !== undefined) filter.status = Number(query.status);
      if (query.transactionId !== undefined) filter.transactionId = String(query.transactionId).toLowerCase();
      if (query.after !== undefined) filter.after = Number(query.after);
      if (query.limit !== undefined) filter.limit = Number(query.limit);
      const read = journal.read(tenant, filter, images.summary);
      const waitMs = Number(query.wait ?? 0) * 1000;
      // Nothing new yet: wait, unless the tenant was reset since the `after` the client holds (its
      // `latest` is lower), which the client must hear of at once.
      if (read.requests.length > 0 || waitMs === 0 || (filter.after ?? 0) > read.latest) return ok(200, read);
      await journal.next(tenant, waitMs, [tenant.lifetime.signal, sandbox.closed]);
      // After a reset the key names another tenant (or none yet).
      return ok(200, journal.read(store.peek(key), filter, images.summary));
    },
    /** @param {ControlContext} context */
    getRequest({ tenant, params }) {
      const seq = Number(params.seq);
      const found = journal.entry(tenant, seq, images.summary);
      if (found) return ok(200, found);
      return problem(404, 'Unknown request', `This tenant's journal holds no request ${seq}: its latest is ${tenant.journal.seq}, and it keeps the last ${journal.limit}.`, 'seq');
    },
    /** @param {ControlContext} context */
    listTransactions({ tenant, query }) {
      if (settings.stateless) return statelessProblem();
      const at = sandbox.now();
      const live = [...tenant.transactions.values()].filter((transaction) => transaction.expiresAt > at);
      // The one changed last first; among equals, the one made last (insertion order, reversed).
      const ordered = live.reverse().sort((a, b) => b.updatedAt - a.updatedAt);
      const limit = query.limit === undefined ? DEFAULT_TRANSACTIONS_SHOWN : Number(query.limit);
      return ok(200, { total: live.length, transactions: ordered.slice(0, limit).map((transaction) => transactionView(tenant, transaction)) });
    },
    /** @param {ControlContext} context */
    getTransactionImage({ tenant, params }) {
      if (settings.stateless) return statelessProblem();
      const id = String(params.id).toLowerCase();
      const transaction = transactionOf(tenant, id, sandbox.now());
      if (!transaction) return problem(404, 'Unknown transaction', `This tenant has no transaction ${id}.`, 'id');
      const step = /** @type {'front' | 'back' | 'liveness'} */ (params.step);
      const record = transaction.steps[step]?.images[String(params.field)];
      if (!record) {
        const kept = Object.entries(transaction.steps).flatMap(([name, recorded]) => Object.keys(recorded.images).map((field) => `${name}/${field}`));
        return problem(404, 'No such image', `The ${step} step of transaction ${id} kept no image in ${params.field}.`, 'field', kept);
      }
      if (record.text === null)
        return problem(404, 'Image evicted', `The image was dropped to stay within the image budget (imageBudgetBytes); GetStepImage answers fileNotFound for it too.`, 'field');
      const bytes = decode(record.text);
      return { status: 200, payload: [bytes], contentType: imageType(bytes), headers: { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' }, scenario: '-' };
    },
    /** @param {ControlContext} context */
    getCoverage({ tenant, query }) {
      const only =
        query.only === undefined
          ? null
          : String(query.only)
              .split(',')
              .map((id) => id.trim())
              .filter(Boolean);
      const unknown = only?.find((id) => !operationOf(id));
      if (unknown !== undefined)
        return problem(
          400,
          'Unknown operation',
          `The API has no operation "${unknown.slice(0, 120)}".`,
          'only',
          model.operations.map((operation) => operation.id),
        );
      const report = coverageReport(model, tenant.coverage, { only, faults: query.faults !== false });
      if (query.format === 'markdown') return { status: 200, payload: coverageMarkdown(report), contentType: 'text/markdown; charset=utf-8', scenario: '-' };
      if (query.format === 'junit')
        return {
          status: 200,
          payload: coverageJunit(report, { unhit: query.unhit === 'skip' ? 'skip' : 'failure' }),
          contentType: 'application/xml; charset=utf-8',
          scenario: '-',
        };
      return ok(200, report);
    },
    /** @param {ControlContext} context */
    getState({ tenant }) {
      if (settings.stateless) return statelessProblem();
      return { status: 200, payload: exportState(tenant, sandbox.now()), contentType: 'application/json; charset=utf-8', scenario: '-' };
    },
    /** @param {ControlContext} context */
    async putState({ key, body }) {
      if (settings.stateless) return statelessProblem();
      const imported = await importState(key, body, { model, limits, images, now: sandbox.now(), scenarios: sandbox.scenarios, stepScenarios: sandbox.stepScenarios });
      if ('problem' in imported) return problem(400, 'Invalid state', imported.problem.message, imported.problem.field, imported.problem.allowed);
      store.replace(imported.tenant);
      return ok(200, imported.summary);
    },
    async getDashboard() {
      const { html } = await dashboardAssets();
      return {
        status: 200,
        payload: html,
        contentType: 'text/html; charset=utf-8',
        headers: { ...ASSET_HEADERS, 'content-security-policy': DASHBOARD_POLICY, 'x-frame-options': 'DENY' },
        scenario: '-',
      };
    },
    /** @param {ControlContext} context */
    async getDashboardAsset({ params }) {
      const { script, style, icon } = await dashboardAssets();
      if (params.asset === 'app.js') return { status: 200, payload: script, contentType: 'text/javascript; charset=utf-8', headers: ASSET_HEADERS, scenario: '-' };
      if (params.asset === 'icon.svg') return { status: 200, payload: icon, contentType: 'image/svg+xml', headers: ASSET_HEADERS, scenario: '-' };
      return { status: 200, payload: style, contentType: 'text/css; charset=utf-8', headers: ASSET_HEADERS, scenario: '-' };
    },
  };
  return handlers;
}

/** @typedef {ReturnType<typeof createControlHandlers>} ControlHandlers */
