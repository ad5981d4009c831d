// verify-screen.stories.ts: a story with a sandbox of its own, steered before it renders.
import type { Meta, StoryObj } from "@storybook/react";
import { vlensSandbox } from "vlens-digital-identity/msw";
import { VerifyScreen } from "./verify-screen.js";

const spoofed = vlensSandbox();

const meta: Meta<typeof VerifyScreen> = { component: VerifyScreen };
export default meta;

export const SpoofDetected: StoryObj<typeof VerifyScreen> = {
  parameters: { msw: { handlers: spoofed.handlers } },
  loaders: [
    async () => {
      await spoofed.control("storybook").reset();
      await spoofed.control("storybook").queueOutcome({ operationId: "ocrLiveness", scenario: "spoofDetected" });
    },
  ],
  args: { apiKey: "storybook" },
};
