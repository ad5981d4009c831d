// The MSW handlers' own checks, run by test/msw-recipes.test.ts with a Node that MSW 3 runs on.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['**/*.spec.ts'] } });
