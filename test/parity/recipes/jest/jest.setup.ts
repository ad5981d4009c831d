// jest.setup.ts (jest.config: setupFilesAfterEnv: ["<rootDir>/jest.setup.ts"], testEnvironment: "node")
import { afterAll, afterEach, beforeAll } from "@jest/globals";
import { setupServer } from "msw/node";
import { vlensSandbox } from "vlens-digital-identity/msw";

export const sandbox = vlensSandbox();
export const server = setupServer(...sandbox.handlers);

beforeAll(() => server.listen());
afterEach(() => server.resetHandlers());
afterAll(() => {
  sandbox.close();
  server.close();
});
