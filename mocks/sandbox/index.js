// The sandbox: state kept per ApiKey like the real service keeps it, forced outcomes, faults and a
// journal, behind the mock's HTTP front (server.js asks it, per request, what to answer). The answer
// itself is always the description's named example, through answerFor; the sandbox chooses which one,
// fills in its ids, tokens, user fields, file names and image bytes, and keeps what the call changed.
// It never derives an outcome from pixels: it does no OCR and no liveness detection.
import { createCatalog } from './catalog.js';
import { createControlApi, CONTROL_PREFIX } from './control.js';
import { FAULTS } from './faults.js';
import { createImageStore } from './images.js';
import { createJournal } from './journal.js';
import { magicCatalog } from './magic.js';
import { authorizeRequest, decide, fileNames } from './rules.js';
import { DEFAULT_LIMITS, createStore } from './store.js';
import { createTokenFactory } from './tokens.js';

/** The one-time password the sandbox sends (and the only one it accepts). */
export const SANDBOX_OTP = '123456';
export { CONTROL_PREFIX, DEFAULT_LIMITS };

// The same form check as the mock's credentials check (checks.js): any single run of visible ASCII.
const API_KEY = /^[\x21-\x7e]{1,4096}$/;
const FLOW_STEPS = ['front', 'back', 'liveness'];

/**
 * `options`: `{ stateless, strictTokens, imageBudgetBytes, journalLimit, transactionTtlSeconds,
 * maxTenants, maxTransactionsPerTenant, maxUsersPerTenant }`; `validation`: `{ createAjv,
 * describeViolations }` from validation.js, for the control API's requests.
 */
export function createSandbox(description, options = {}, validation) {
  const limits = { ...DEFAULT_LIMITS };
  for (const name of Object.keys(DEFAULT_LIMITS)) if (options[name] !== undefined) limits[name] = options[name];
  const settings = {
    stateless: Boolean(options.stateless),
    strictTokens: Boolean(options.strictTokens),
    otp: SANDBOX_OTP,
    transactionTtlMs: limits.transactionTtlSeconds * 1000,
  };
  const catalog = createCatalog(description);
  const images = createImageStore(limits.imageBudgetBytes);
  const journal = createJournal(limits.journalLimit, images, (operationId) => catalog.get(operationId)?.imageFields ?? []);
  const store = createStore(limits, images, journal);
  const make = createTokenFactory();
  const stepScenarios = (step) => catalog.stepScenarios(step);
  let catalogView = null;
  const answerOf = (decision) => ({
    scenario: decision.scenario ? { code: decision.scenario.status, exampleKey: decision.scenario.name } : null,
    fill: decision.errorDescriptions ? { ...decision.fill, errorDescriptions: decision.errorDescriptions } : decision.fill,
    by: decision.by ?? null,
    why: decision.why ?? null,
    transactionId: decision.transactionId ?? null,
  });

  const sandbox = {
    settings,
    limits,
    catalog,
    images,
    store,
    journal,
    isApiKey: (key) => typeof key === 'string' && API_KEY.test(key),
    /** The tenant an ApiKey header names, or null when it is missing or malformed. */
    tenantOf(headers) {
      const key = headers.apikey;
      return typeof key === 'string' && API_KEY.test(key) ? store.tenant(key) : null;
    },

    /** Tracks the images of a valid request body (the members its schema says are base64 images). */
    trackImages(operation, body) {
      const tracked = {};
      if (!body || typeof body !== 'object') return tracked;
      for (const field of catalog.get(operation.id).imageFields) {
        if (typeof body[field] === 'string') tracked[field] = images.track(body[field], field);
      }
      return tracked;
    },

    /**
     * Checks the bearer token of a request whose credentials have the right form (as the real service
     * does before it reads the body): `{ identity }`, or `{ refused }`, an answer like decide()'s.
     */
    authorize(tenant, operation, authorization) {
      if (settings.stateless) return { identity: null };
      const now = Date.now();
      const access = authorizeRequest(tenant, { entry: catalog.get(operation.id), authorization: authorization ?? '', now, settings });
      store.commit(tenant, access.changes, now);
      return access.refused ? { refused: answerOf(access.refused) } : { identity: access.identity };
    },

    /**
     * Decides one authorized request that passed the request checks, and keeps what it changed:
     * `{ scenario: { code, exampleKey, dynamic }, fill, by, why, transactionId }`.
     */
    decide(tenant, operation, { identity, body, query, prefer, images: tracked }) {
      const now = Date.now();
      const entry = catalog.get(operation.id);
      const decision = decide(tenant, { entry, identity, body, query, prefer, images: tracked, now, make, settings, stepScenarios });
      store.commit(tenant, decision.changes, now);
      return decision.asAsked ? { ...answerOf({ ...decision, scenario: null }), scenario: prefer } : answerOf(decision);
    },

    catalogView() {
      catalogView ??= {
        mode: settings.stateless ? 'stateless' : 'sandbox',
        strictTokens: settings.strictTokens,
        otp: SANDBOX_OTP,
        operations: [...catalog.entries.values()].map((entry) => ({
          operationId: entry.id,
          method: entry.method,
          path: entry.path,
          token: entry.token,
          step: entry.step,
          rules: entry.rules,
          scenarios: entry.scenarios.map((scenario) => ({ status: scenario.status, name: scenario.name, summary: scenario.summary, default: scenario.isDefault })),
        })),
        magicValues: magicCatalog(),
        faults: Object.entries(FAULTS).map(([fault, text]) => ({ fault, description: text })),
        limits: {
          imageBudgetBytes: limits.imageBudgetBytes,
          journalLimit: limits.journalLimit,
          transactionTtlSeconds: limits.transactionTtlSeconds,
          maxTenants: limits.maxTenants,
          maxTransactionsPerTenant: limits.maxTransactionsPerTenant,
          maxUsersPerTenant: limits.maxUsersPerTenant,
        },
      };
      return catalogView;
    },

    transactionView(tenant, transaction) {
      const user = transaction.userId === null ? null : tenant.users.get(transaction.userId);
      const names = new Map(Object.values(fileNames(transaction)).filter(Boolean).map((file) => [file.record, file.name]));
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
          const recorded = transaction.steps[step];
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
    },
  };
  sandbox.control = createControlApi(sandbox, validation);
  return sandbox;
}
