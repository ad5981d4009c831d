// vitest.config.ts
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.spec.ts"],
    setupFiles: ["./vitest.setup.ts"],
  },
});
