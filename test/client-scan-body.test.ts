// The ID scans build their JSON body around the already-checked image instead of stringifying
// megabytes again; whatever the caller passes, the text sent must be exactly what
// JSON.stringify would have produced.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createVlensClient } from "../src/index.js";
import { API_KEY, USER_TOKEN, answers } from "./client-helpers.js";

function capturingClient() {
  const bodies: string[] = [];
  const fetch = async (target: string | Request, init?: RequestInit) => {
    const request = typeof target === "string" ? new Request(target, init) : target;
    bodies.push(await request.text());
    return answers.front();
  };
  const vlens = createVlensClient({ apiKey: API_KEY, accessToken: USER_TOKEN, baseUrl: "http://vlens.test", fetch });
  return { vlens, bodies };
}

const wrapped = (base64: string, every: number) => base64.replace(new RegExp(`(.{${every}})`, "g"), "$1\r\n");

describe("the body of an ID scan", () => {
  it("is byte for byte JSON.stringify of the checked fields, for any image, prefix, line breaks and id", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 3, maxLength: 600 }),
        fc.boolean(),
        fc.option(fc.integer({ min: 4, max: 76 }), { nil: undefined }),
        fc.option(
          fc.uuid().map((id) => id.toLowerCase()),
          { nil: undefined },
        ),
        fc.option(fc.boolean(), { nil: undefined }),
        fc.constantFrom("front", "back"),
        async (bytes, dataUrl, lineLength, transactionId, getExtractedData, side) => {
          const base64 = Buffer.from(bytes).toString("base64");
          let image = lineLength ? wrapped(base64, lineLength) : base64;
          if (dataUrl) image = `data:image/jpeg;base64,${image}`;
          const { vlens, bodies } = capturingClient();
          const id = transactionId ?? "81f404b3-d7dc-4f08-b4fe-934853c86282";
          if (side === "front") await vlens.scanIdFront({ image, transactionId, getExtractedData });
          else await vlens.scanIdBack({ image, transactionId: id, getExtractedData });
          const sent = bodies[0]!;
          const sentId = (JSON.parse(sent) as { transaction_id: string }).transaction_id;
          if (side === "back" || transactionId) expect(sentId).toBe(id);
          expect(sent).toBe(JSON.stringify({ image: base64, transaction_id: sentId, getExtractedData: getExtractedData ?? true }));
        },
      ),
      { numRuns: 300 },
    );
  });
});
