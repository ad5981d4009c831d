// playwright-ct.config.ts
import { defineConfig } from "@playwright/experimental-ct-react";

export default defineConfig({
  testDir: ".",
  testMatch: "*.ct.tsx",
  workers: 1,
  use: {
    ctPort: 0,
    // Chromium of the machine; no host name resolves but the component server's, so nothing unrouted leaves it.
    launchOptions: { executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"] },
  },
});
