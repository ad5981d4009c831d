// The parts of Jest's and Storybook's APIs the Jest and Storybook recipes use, declared here so that
// the recipes compile without installing Jest or Storybook: the check is of this package's API
// (vlens-digital-identity/msw with MSW's types), not of theirs.
declare module "@jest/globals" {
  type Hook = (run: () => unknown) => void;
  export const beforeAll: Hook;
  export const afterEach: Hook;
  export const afterAll: Hook;
  export function test(name: string, run: () => Promise<void>): void;
  export function expect(value: unknown): { toBe(expected: unknown): void };
}

declare module "msw-storybook-addon" {
  import type { RequestHandler } from "msw";
  export function initialize(options?: { onUnhandledRequest?: "bypass" | "warn" | "error" }): void;
  export const mswLoader: (context: { parameters: { msw?: { handlers: RequestHandler[] | Record<string, RequestHandler[]> } } }) => Promise<void>;
}

declare module "@storybook/react" {
  interface Annotations {
    parameters?: { msw?: { handlers: import("msw").RequestHandler[] }; [name: string]: unknown };
    loaders?: ((...args: any[]) => unknown)[];
  }
  export interface Preview extends Annotations {}
  export interface Meta<Component> extends Annotations {
    component: Component;
  }
  export interface StoryObj<Component> extends Annotations {
    args?: Component extends (props: infer Props) => unknown ? Partial<Props> : never;
  }
}
