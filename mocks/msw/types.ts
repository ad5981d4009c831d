// The types of `vlens-digital-identity/msw` that JSDoc cannot spell: the control object with the
// description's operation ids and scenario names as literal unions, so that a misspelt one does not
// compile. Declarations only. The names come from the generated `scenarios` constant (generated/
// scenarios.ts, exported by `vlens-digital-identity/schema`); every other control method is the one
// createSandboxControl has, so a method added to the control API appears here without a change.
import type { scenarios } from 'vlens-digital-identity/schema';
import type { SandboxControl } from '../types.js';
import type { FaultName } from '../types.js';

type Scenarios = typeof scenarios;

/** Every operationId of the description. */
export type OperationId = keyof Scenarios;

/** The HTTP statuses an operation has named examples for. */
export type ScenarioStatus<Op extends OperationId> = keyof Scenarios[Op] & number;

/** The scenario names of an operation (of one status, or of all). */
export type ScenarioName<Op extends OperationId, Status extends ScenarioStatus<Op> = ScenarioStatus<Op>> = Scenarios[Op][Status] extends readonly (infer Name)[] ? Name : never;

/** The operations of each step of the verification flow (mocks/rules/operations.js STEP_OPERATIONS). */
export interface StepOperations {
  front: 'verifyIdFront' | 'ocrIdFront';
  back: 'verifyIdBack' | 'ocrIdBack';
  liveness: 'verifyLiveness' | 'ocrLiveness';
  link: 'linkUserWithExistingTransaction';
}

/** What `setTransactionOutcomes` plans: a scenario name of one of the step's operations, per step. */
export type StepOutcomes = { [Step in keyof StepOperations]?: { [Op in StepOperations[Step]]: ScenarioName<Op> }[StepOperations[Step]] };

/** One queued outcome: an operation, one of its scenarios, and that scenario's status when given. */
export type QueuedOutcome = {
  [Op in OperationId]: { [Status in ScenarioStatus<Op>]: { operationId: Op; scenario: ScenarioName<Op, Status>; status?: Status; times?: number } }[ScenarioStatus<Op>];
}[OperationId];

/** A fault to arm: for one operation, or every operation when `operationId` is left out. */
export interface Fault {
  operationId?: OperationId;
  fault: FaultName;
  /** For `delay`, how late the answer comes, in milliseconds (default 1000). */
  delayMs?: number;
  /** How many calls meet it (default 1). */
  times?: number;
}

type Resolved<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;

/** The control object of one tenant: the control API's operations, with literal operation ids and scenario names. */
export type VlensSandboxControl = Omit<SandboxControl, 'queueOutcome' | 'setTransactionOutcomes' | 'addFault' | 'requests'> & {
  /** Queues the outcome of the next `times` calls of an operation. */
  queueOutcome(outcome: QueuedOutcome): ReturnType<SandboxControl['queueOutcome']>;
  /** Plans the outcome of each step of one transaction. */
  setTransactionOutcomes(transactionId: string, outcomes: StepOutcomes): ReturnType<SandboxControl['setTransactionOutcomes']>;
  /** Arms a fault for the next calls of an operation (or of every operation). */
  addFault(fault: Fault): ReturnType<SandboxControl['addFault']>;
  /** The tenant's journal, latest last: every request, its answer and what chose it. */
  requests(query?: { operationId?: OperationId; limit?: number }): Promise<Resolved<SandboxControl['requests']>>;
};
