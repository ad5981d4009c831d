// verify.spec.ts: the app's own code, configured for production (no baseUrl), against the sandbox.
import { createVlensClient } from "vlens-digital-identity";
import { vlensSandbox } from "vlens-digital-identity/msw";
import { describe, expect, it } from "vitest";
import { sandbox, server } from "./vitest.setup.js";

const faces = (seed: number) => [1, 2, 3].map((face) => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, seed, face])) as [Uint8Array, Uint8Array, Uint8Array];
const input = (seed: number) => ({ idFront: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, seed, 10]), idBack: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, seed, 11]), faces: faces(seed) });

describe("isolation: a tenant per test (its own ApiKey)", () => {
  it("captures before login with the key alone", async () => {
    const vlens = createVlensClient({ apiKey: "test-capture" });
    const capture = await vlens.captureBeforeLogin(input(1));
    expect(capture.status).toBe("captured");
    expect(await sandbox.control("test-capture").transaction(capture.status === "captured" ? capture.transactionId : "")).toMatchObject({ linked: false });
  });

  it("steers its own tenant: the next liveness is a spoof", async () => {
    const vlens = createVlensClient({ apiKey: "test-spoof" });
    await sandbox.control("test-spoof").queueOutcome({ operationId: "ocrLiveness", scenario: "spoofDetected" });
    const capture = await vlens.captureBeforeLogin(input(2));
    expect(capture).toMatchObject({ status: "rejected", step: "liveness" });
    await sandbox.control("test-spoof").reset(); // or reset in afterEach
  });
});

describe("isolation: a fresh sandbox for one test", () => {
  it("sees nothing of the shared one", async () => {
    const own = vlensSandbox({ seed: "fresh" });
    server.use(...own.handlers); // first in line until server.resetHandlers() (afterEach)
    const vlens = createVlensClient({ apiKey: "test-capture" });
    await expect(own.control("test-capture").requests()).resolves.toMatchObject({ requests: [] });
    await vlens.checkExistenceOfEmailOrPhone({ phoneNumber: "+201900000001" });
    expect((await own.control("test-capture").requests()).requests).toHaveLength(1);
    own.close();
  });
});

describe("isolation: server.boundary, for tests that run at once", () => {
  it.concurrent.each(["a", "b"])("concurrent test %s has a sandbox of its own", (name) =>
    server.boundary(async () => {
      const own = vlensSandbox();
      server.use(...own.handlers); // seen only inside this boundary
      const vlens = createVlensClient({ apiKey: "shared-key" });
      await vlens.checkExistenceOfEmailOrPhone({ email: `${name}@example.com` });
      // Each sandbox saw its own test's call, and only that one.
      expect((await own.control("shared-key").requests()).requests).toHaveLength(1);
      own.close();
    })(),
  );
});

describe("faults", () => {
  it("a hang ends when the test's own signal aborts", async () => {
    const vlens = createVlensClient({ apiKey: "test-hang" });
    await sandbox.control("test-hang").addFault({ operationId: "checkExistenceOfEmailOrPhone", fault: "hang" });
    await expect(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" }, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({ kind: "timeout" });
  });

  it("a reset is a network error", async () => {
    const vlens = createVlensClient({ apiKey: "test-reset" });
    await sandbox.control("test-reset").addFault({ fault: "reset" });
    await expect(vlens.checkExistenceOfEmailOrPhone({ email: "a@example.com" })).rejects.toMatchObject({ name: "VlensTransportError", kind: "network" });
  });
});
