// scan.ct.tsx: the router fixture takes the sandbox's MSW handlers; they run in the test process, and
// the router forgets them after each test, so each test brings a fresh sandbox.
import { expect, test } from "@playwright/experimental-ct-react";
import { vlensSandbox } from "vlens-digital-identity/msw";
import { Scan } from "./Scan";

test("the sandbox answers the component, steered by the test", async ({ mount, router }) => {
  const sandbox = vlensSandbox();
  await router.use(...sandbox.handlers);
  const component = await mount(<Scan apiKey="ct-key" />);
  await component.getByRole("button").click();
  await expect(component.getByRole("status")).toHaveText("captured");

  await sandbox.control("ct-key").queueOutcome({ operationId: "ocrIdFront", scenario: "fakeDocument" });
  await component.getByRole("button").click();
  await expect(component.getByRole("status")).toHaveText("rejected 5005");
  sandbox.close();
});

test("a fresh sandbox per test, and faults reach the component", async ({ mount, router }) => {
  const sandbox = vlensSandbox();
  await router.use(...sandbox.handlers);
  expect((await sandbox.control("ct-key").requests()).requests).toEqual([]);
  await sandbox.control("ct-key").addFault({ fault: "reset" });
  const component = await mount(<Scan apiKey="ct-key" />);
  await component.getByRole("button").click();
  await expect(component.getByRole("status")).toHaveText("failed TypeError");
  sandbox.close();
});
