// The sandbox's precedence, applied in one place to every operation's rule (mocks/rules/operations.js).
// Who picks the scenario, first match wins:
//   1. the `Prefer` header, then an outcome queued with the control API (explicit: they override even
//      the flow's own refusals);
//   2. the flow's refusals, in the order the rule declares them;
//   3. the outcome planned for the transaction with the control API, then the user's magic values;
//   4. the rule's natural outcome (the link verdict, "already registered"), else the default scenario.
// Whatever picked it, the state follows the scenario's example through the rule's effects, unless a
// binding refusal holds (another user's transaction can never be changed) or the answer is generated
// with no named example standing for it.
import { magicOutcomes } from './magic.js';
import { draft } from './draft.js';
import { errorCodeOf } from '../answers/refusals.js';

/** @import { Draft } from './draft.js' */
/** @import { FlowStep } from './magic.js' */
/** @import { Scenario, ScenarioSet } from './scenarios.js' */
/** @import { Fill } from '../answers/fill.js' */
/** @import { ImageRecord } from '../store/images.js' */
/** @import { Changes, Tenant } from '../store/tenants.js' */
/** @import { TokenFactory } from '../store/tokens.js' */
/** @import { FieldError, OperationModel, Role } from '../types.js' */

/**
 * Who a bearer token is. `implicit`: a token the sandbox did not issue, accepted as a user (or admin)
 * of the tenant, remembered by its SHA-256 (`known`: already remembered).
 * @typedef {{ role: Role, userId: number | null, issued: boolean, implicit?: { digest: string, known: boolean } }} Identity
 */

/** @typedef {{ code?: number, exampleKey?: string, dynamic?: boolean }} Preference */

/**
 * @typedef {object} Settings
 * @property {boolean} stateless
 * @property {boolean} strictTokens
 * @property {string} otp the one-time password the sandbox sends
 * @property {number} transactionTtlMs
 */

/**
 * Everything a rule reads. `state` reads the tenant through the rule's own changes; nothing else is written.
 * @typedef {object} RuleContext
 * @property {OperationModel} operation
 * @property {ScenarioSet} scenarios
 * @property {Draft} state
 * @property {Identity | null} identity
 * @property {any} body
 * @property {Record<string, string | string[]>} query
 * @property {Preference} prefer
 * @property {Record<string, ImageRecord>} images the request's kept images, by body member
 * @property {number} now
 * @property {TokenFactory} make
 * @property {Settings} settings
 * @property {(step: FlowStep) => string[]} stepScenarios
 */

/**
 * A refusal an operation can make.
 * @template F
 * @typedef {object} Refusal
 * @property {string | [number, string][]} scenario the scenario that answers it, or candidates `[status, name]` (the first the operation has; else 400 invalidRequest)
 * @property {string} when when it applies, in prose (the catalog shows it)
 * @property {(context: RuleContext, facts: F) => boolean} test
 * @property {(context: RuleContext, facts: F) => string} why a sentence for the journal
 * @property {(context: RuleContext, facts: F) => FieldError[]} [fields] the answer's field errors (default: the why, unnamed)
 * @property {(context: RuleContext, facts: F) => boolean} [binding] while it holds, the state cannot follow even a forced success
 */

/**
 * @template F
 * @typedef {object} Effects
 * @property {string} summary what the state does, in prose
 * @property {(context: RuleContext, facts: F, scenario: Scenario) => { fill?: Fill, transactionId?: string | null } | void} apply
 */

/**
 * One operation's rule, declared once: the catalog's text is derived from it (rules/catalog.js).
 * @template [F=any]
 * @typedef {object} OperationRule
 * @property {string} summary what the operation does in the sandbox
 * @property {FlowStep | ((context: RuleContext, facts: F) => FlowStep | null)} [outcomes] the step whose planned and magic outcomes apply
 * @property {(context: RuleContext) => F} [read] the facts the rule works from
 * @property {(facts: F) => string | null} [transactionId] the transaction the request is about, for the journal
 * @property {Refusal<F>[]} [refusals]
 * @property {{ summary: string, pick: (context: RuleContext, facts: F) => Scenario | null }} [natural] the outcome when nothing forces one, if not the default scenario
 * @property {Effects<F>} [effects]
 */

/**
 * What decide() concluded: the answer to give (a scenario, or `dynamic` to generate one), the scenario
 * whose example the state followed, who chose it and why the request was refused.
 * @typedef {object} Decision
 * @property {Preference} answer
 * @property {Scenario | null} scenario
 * @property {'prefer' | 'queue' | 'transaction' | 'magic' | null} by
 * @property {string | null} why
 * @property {FieldError[] | undefined} errorDescriptions
 * @property {Fill | undefined} fill
 * @property {string | null} transactionId
 * @property {Changes} changes
 */

/**
 * @typedef {{ scenario: Scenario | null, by: Decision['by'], why?: string, errorDescriptions?: FieldError[], binding?: boolean }} Choice
 */

/**
 * Decides one request that passed the front checks, on the tenant's state (never changed here: the
 * store commits `changes`).
 * @template F
 * @param {OperationRule<F>} rule
 * @param {Tenant} tenant
 * @param {Omit<RuleContext, 'state'>} request
 * @returns {Decision}
 */
export function decide(rule, tenant, request) {
  const state = draft(tenant);
  // Member by member, not a spread of `request`: this runs on every request.
  /** @type {RuleContext} */
  const context = {
    operation: request.operation,
    scenarios: request.scenarios,
    state,
    identity: request.identity,
    body: request.body,
    query: request.query,
    prefer: request.prefer,
    images: request.images,
    now: request.now,
    make: request.make,
    settings: request.settings,
    stepScenarios: request.stepScenarios,
  };
  rememberImplicit(context);
  const facts = /** @type {F} */ (rule.read ? rule.read(context) : {});
  const explicit = explicitChoice(context, tenant, state);
  const refused = explicit ? null : firstRefusal(rule, context, facts);
  const step = typeof rule.outcomes === 'function' ? rule.outcomes(context, facts) : (rule.outcomes ?? null);
  const readTransactionId = rule.transactionId?.(facts) ?? null;
  const planned = explicit || refused || !step ? null : plannedChoice(context, tenant, step, readTransactionId);
  const natural = rule.natural?.pick(context, facts) ?? context.scenarios.default;
  /** @type {Choice} */
  const choice = explicit ?? refused ?? planned ?? { scenario: natural, by: null };
  const binding = (explicit && rule.refusals?.some((candidate) => candidate.binding?.(context, facts) && candidate.test(context, facts))) || choice.binding;

  /** @type {Preference} */
  const answer =
    explicit?.by === 'prefer' && (request.prefer.dynamic || !choice.scenario)
      ? request.prefer
      : choice.scenario
        ? { code: choice.scenario.status, exampleKey: choice.scenario.name }
        : request.prefer;
  let transactionId = readTransactionId;
  /** @type {Fill | undefined} */
  let fill = choice.errorDescriptions ? { errorDescriptions: choice.errorDescriptions } : undefined;
  if (choice.scenario && !binding && rule.effects) {
    const effects = rule.effects.apply(context, facts, choice.scenario);
    if (effects) {
      if (effects.fill) fill = { ...fill, ...effects.fill };
      if (effects.transactionId !== undefined) transactionId = effects.transactionId;
    }
  }
  return { answer, scenario: choice.scenario, by: choice.by, why: choice.why ?? null, errorDescriptions: choice.errorDescriptions, fill, transactionId, changes: state.changes };
}

/**
 * A token the sandbox did not issue becomes a user of the tenant (or is remembered as an admin's), so
 * that it stays the same user and can be expired; only a request that got this far keeps it.
 * @param {RuleContext} context
 */
function rememberImplicit(context) {
  const { identity, state } = context;
  if (!identity?.implicit) return;
  if (identity.role === 'user' && identity.userId === null) {
    identity.userId = state.newUser({ implicit: true }).id;
    state.touch().implicitUsers.push([identity.implicit.digest, identity.userId]);
  } else if (!identity.implicit.known) {
    state.touch().implicitUsers.push([identity.implicit.digest, identity.userId]);
  }
}

/**
 * `Prefer` (already checked against the operation), then the head of the tenant's queue for it. A
 * `dynamic=true` answer is generated, but the state and the filled ids follow the status's named
 * example that stands for it: the default one, else the first without an error code. A status
 * without a named example has nothing to follow: it fills nothing and changes nothing.
 * @param {RuleContext} context
 * @param {Tenant} tenant
 * @param {Draft} state
 * @returns {Choice | null}
 */
function explicitChoice(context, tenant, state) {
  const { prefer, scenarios, operation } = context;
  if (prefer.code !== undefined || prefer.exampleKey !== undefined || prefer.dynamic) {
    const status = prefer.code ?? scenarios.default?.status;
    const scenario = prefer.exampleKey
      ? scenarios.get(prefer.exampleKey, status)
      : prefer.dynamic
        ? standIn(scenarios, status)
        : (scenarios.all.find((candidate) => candidate.status === status) ?? null);
    return { scenario, by: 'prefer' };
  }
  const queued = tenant.queue.get(operation.id)?.[0];
  if (queued) {
    state.touch().consumeQueue = operation.id;
    return { scenario: scenarios.get(queued.scenario, queued.status), by: 'queue' };
  }
  return null;
}

/**
 * The named example a generated answer of `status` stands for: the default, else the first without an error code.
 * @param {ScenarioSet} scenarios
 * @param {number | undefined} status
 */
function standIn(scenarios, status) {
  const candidates = scenarios.all.filter((candidate) => candidate.status === status);
  if (scenarios.default && candidates.includes(scenarios.default)) return scenarios.default;
  return candidates.find((candidate) => errorCodeOf(candidate.value) === null) ?? candidates[0] ?? null;
}

/**
 * @template F
 * @param {OperationRule<F>} rule
 * @param {RuleContext} context
 * @param {F} facts
 * @returns {Choice | null}
 */
function firstRefusal(rule, context, facts) {
  for (const candidate of rule.refusals ?? []) {
    if (!candidate.test(context, facts)) continue;
    const why = candidate.why(context, facts);
    const fields = candidate.fields?.(context, facts);
    const choice = refusalChoice(context.scenarios, candidate.scenario, why, fields);
    if (candidate.binding?.(context, facts)) choice.binding = true;
    return choice;
  }
  return null;
}

/**
 * A refusal answered with a named example of the operation, its own field errors in place of the
 * example's; every operation of the description declares the shared 400 invalidRequest example.
 * @param {ScenarioSet} scenarios
 * @param {string | [number, string][]} wanted
 * @param {string} why
 * @param {FieldError[] | undefined} fields
 * @returns {Choice}
 */
export function refusalChoice(scenarios, wanted, why, fields) {
  const candidates = typeof wanted === 'string' ? [/** @type {[number | undefined, string]} */ ([undefined, wanted])] : wanted;
  for (const [status, name] of candidates) {
    const scenario = scenarios.get(name, status);
    if (scenario) return { scenario, by: null, why, errorDescriptions: fields };
  }
  return { scenario: scenarios.get('invalidRequest', 400), by: null, why, errorDescriptions: fields ?? [{ field: null, message: why }] };
}

/**
 * The transaction's planned outcome for the step, then the user's magic value.
 * @param {RuleContext} context
 * @param {Tenant} tenant
 * @param {FlowStep} step
 * @param {string | null} transactionId
 * @returns {Choice | null}
 */
function plannedChoice(context, tenant, step, transactionId) {
  const planned = transactionId ? tenant.planned.get(transactionId)?.[step] : undefined;
  if (planned) {
    const scenario = context.scenarios.get(planned);
    if (scenario) return { scenario, by: 'transaction' };
  }
  const magic = magicOutcomes(magicSubject(context, transactionId), context.stepScenarios)[step];
  if (magic) {
    const scenario = context.scenarios.get(magic);
    if (scenario) return { scenario, by: 'magic' };
  }
  return null;
}

/**
 * Whose magic values apply: the transaction's user, else the caller.
 * @param {RuleContext} context
 * @param {string | null} transactionId
 */
function magicSubject(context, transactionId) {
  const transaction = context.state.transaction(transactionId, context.now);
  return (
    context.state.user(transaction?.userId ?? context.identity?.userId) ??
    (context.body && typeof context.body.phoneNumber === 'string' ? context.state.userByPhone(context.body.phoneNumber) : null)
  );
}
