// .storybook/preview.ts: MSW's worker for every story (msw-storybook-addon; `npx msw init public/`).
import type { Preview } from "@storybook/react";
import { initialize, mswLoader } from "msw-storybook-addon";
import { vlensSandbox } from "vlens-digital-identity/msw";

initialize({ onUnhandledRequest: "bypass" });

const preview: Preview = {
  // One sandbox for the stories that bring none.
  parameters: { msw: { handlers: vlensSandbox().handlers } },
  loaders: [mswLoader],
};
export default preview;
