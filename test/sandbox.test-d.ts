// The typed helper of vlens-digital-identity/mock: its types come from the control API's description
// (mocks/control/api-types.ts, generated), so a misspelt fault, step or option does not compile.
import { describe, expectTypeOf, it } from 'vitest';
import { createSandboxControl, type SANDBOX_OTP, type SandboxControlError, startMock, type SandboxControl, type StartMockOptions } from '../mocks/index.js';

describe('the sandbox control helper', () => {
  it('is typed by the control API description', () => {
    const control = createSandboxControl({ baseUrl: 'http://127.0.0.1:4010', apiKey: 'k' });
    expectTypeOf(control).toEqualTypeOf<SandboxControl>();
    expectTypeOf(control.transaction('id')).resolves.toHaveProperty('outcome').toHaveProperty('state').toEqualTypeOf<'incomplete' | 'validated' | 'verified'>();
    expectTypeOf(control.queueOutcome({ operationId: 'verifyLiveness', scenario: 'spoofDetected', times: 2 }))
      .resolves.toHaveProperty('pending')
      .toEqualTypeOf<number>();
    expectTypeOf(control.requests({ limit: 5 })).resolves.toHaveProperty('requests');
    expectTypeOf(control.reset()).toEqualTypeOf<Promise<void>>();
    // The declared type: passing the value would widen the source's literal to string (the .d.ts a user gets declares "123456").
    expectTypeOf<typeof SANDBOX_OTP>().toEqualTypeOf<'123456'>();
    expectTypeOf<SandboxControlError['problem']['allowed']>().toEqualTypeOf<string[] | undefined>();
  });

  it('refuses what the description does not allow', () => {
    const control = createSandboxControl({ baseUrl: 'http://127.0.0.1:4010', apiKey: 'k' });
    // @ts-expect-error not a fault of the description
    void control.addFault({ fault: 'timeout' });
    // @ts-expect-error not a step of the flow
    void control.setTransactionOutcomes('id', { selfie: 'verified' });
    // @ts-expect-error scenario is required
    void control.queueOutcome({ operationId: 'verifyLiveness' });
  });

  it("startMock takes the sandbox's options and gives the helper for a key", async () => {
    expectTypeOf<StartMockOptions>().toHaveProperty('stateless').toEqualTypeOf<boolean | undefined>();
    expectTypeOf<StartMockOptions>().toHaveProperty('strictTokens').toEqualTypeOf<boolean | undefined>();
    expectTypeOf<StartMockOptions>().toHaveProperty('imageBudgetBytes').toEqualTypeOf<number | undefined>();
    const mock = await startMock({ stateless: false, transactionTtlSeconds: 60 });
    expectTypeOf(mock.sandbox).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(mock.sandbox('k')).toEqualTypeOf<SandboxControl>();
  });
});
