// The types of vlens-digital-identity/msw: MSW's own handler type, and a control object whose operation
// ids and scenario names come from the description (generated/scenarios.ts), so a misspelt one does
// not compile. Checked by `npx vitest run --typecheck.only --typecheck.tsconfig tsconfig.msw.json
// test/msw.test-d.ts` (the JSDoc of mocks/ needs allowJs).
import type { HttpHandler } from 'msw';
import { setupServer } from 'msw/node';
import { describe, expectTypeOf, it } from 'vitest';
import { VENDOR_BASE_URL, vlensSandbox, type VlensSandbox } from '../mocks/msw/index.js';
import type { OperationId, QueuedOutcome, ScenarioName, StepOutcomes } from '../mocks/msw/types.js';

describe('vlensSandbox', () => {
  it('gives MSW handlers, spread into setupServer', () => {
    const sandbox = vlensSandbox({ seed: 1, strictTokens: true, baseUrl: [VENDOR_BASE_URL, 'http://localhost:5173/vlens'], maxTenants: 10 });
    expectTypeOf(sandbox).toEqualTypeOf<VlensSandbox>();
    expectTypeOf(sandbox.handlers).toEqualTypeOf<HttpHandler[]>();
    setupServer(...sandbox.handlers);
    expectTypeOf(sandbox.close).toEqualTypeOf<() => void>();
  });

  it("takes the sandbox's options and nothing else", () => {
    // @ts-expect-error stateless is a boolean
    vlensSandbox({ stateless: 'yes' });
    // @ts-expect-error not an option
    vlensSandbox({ baseURL: 'https://api.vlenseg.com' });
    // @ts-expect-error a seed is a string or a number
    vlensSandbox({ seed: true });
  });

  it('names operations and scenarios as the description does', () => {
    expectTypeOf<'verifyLiveness'>().toExtend<OperationId>();
    expectTypeOf<ScenarioName<'verifyLiveness', 200>>().toEqualTypeOf<
      | 'documented'
      | 'verified'
      | 'validatedNotVerified'
      | 'livenessFailed'
      | 'spoofDetected'
      | 'amlMatched'
      | 'facesIdentical'
      | 'noFaceDetected'
      | 'multipleFaces'
      | 'idStepsMissing'
      | 'transactionNotFound'
    >();
    expectTypeOf<'tokenExpired'>().toExtend<ScenarioName<'verifyIdFront'>>();
    expectTypeOf<{ operationId: 'verifyIdFront'; scenario: 'tokenExpired'; status: 401 }>().toExtend<QueuedOutcome>();
    expectTypeOf<{ liveness: 'spoofDetected'; front: 'cardNotDetected' }>().toExtend<StepOutcomes>();
  });

  it("types the control object's answers and refuses misspelt operations, scenarios, statuses, steps and faults", async () => {
    const control = vlensSandbox().control('test-key');
    expectTypeOf(control.queueOutcome({ operationId: 'verifyLiveness', scenario: 'spoofDetected', times: 2 }))
      .resolves.toHaveProperty('pending')
      .toEqualTypeOf<number>();
    expectTypeOf(control.transaction('id')).resolves.toHaveProperty('outcome').toHaveProperty('state').toEqualTypeOf<'incomplete' | 'validated' | 'verified'>();
    expectTypeOf(control.requests({ operationId: 'verifyIdFront', limit: 5 })).resolves.toHaveProperty('requests');
    expectTypeOf(control.reset()).toEqualTypeOf<Promise<void>>();
    await control.addFault({ fault: 'hang', operationId: 'verifyLiveness' });
    await control.setTransactionOutcomes('id', { front: 'fakeDocument', link: 'linkedValidatedNotVerified' });

    // @ts-expect-error a scenario of another operation
    void control.queueOutcome({ operationId: 'verifyIdFront', scenario: 'spoofDetected' });
    // @ts-expect-error misspelt scenario
    void control.queueOutcome({ operationId: 'verifyLiveness', scenario: 'spoofDetectd' });
    // @ts-expect-error the scenario is of status 401, not 200
    void control.queueOutcome({ operationId: 'verifyIdFront', scenario: 'tokenExpired', status: 200 });
    // @ts-expect-error misspelt operation
    void control.queueOutcome({ operationId: 'verifyLivenes', scenario: 'spoofDetected' });
    // @ts-expect-error a liveness scenario planned for the front
    void control.setTransactionOutcomes('id', { front: 'spoofDetected' });
    // @ts-expect-error not a step of the flow
    void control.setTransactionOutcomes('id', { selfie: 'verified' });
    // @ts-expect-error not a fault
    void control.addFault({ fault: 'timeout' });
    // @ts-expect-error misspelt operation
    void control.addFault({ fault: 'delay', operationId: 'verifyLivenes' });
    // @ts-expect-error misspelt operation
    void control.requests({ operationId: 'verifyLivenes' });
  });
});
