// verify.spec.ts: a tenant per test, reset after it.
import { afterEach, expect, test } from "@jest/globals";
import { createVlensClient } from "vlens-digital-identity";
import { sandbox } from "./jest.setup.js";

const apiKey = "jest-verify";
afterEach(() => sandbox.control(apiKey).reset());

test("a spoof is rejected at liveness", async () => {
  await sandbox.control(apiKey).queueOutcome({ operationId: "ocrLiveness", scenario: "spoofDetected" });
  const jpeg = (seed: number) => new Uint8Array([0xff, 0xd8, 0xff, 0xe0, seed]);
  const capture = await createVlensClient({ apiKey }).captureBeforeLogin({ idFront: jpeg(1), idBack: jpeg(2), faces: [jpeg(3), jpeg(4), jpeg(5)] });
  expect(capture.status).toBe("rejected");
});
