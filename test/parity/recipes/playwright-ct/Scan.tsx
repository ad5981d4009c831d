// The component under test: scans the front of an ID with the key alone and shows the outcome.
import { useState } from "react";

export function Scan({ apiKey }: { apiKey: string }) {
  const [shown, setShown] = useState("");
  async function scan() {
    const image = btoa(String.fromCharCode(0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 600 }, (_, index) => index % 251)));
    try {
      const response = await fetch("https://api.vlenseg.com/v1/ocr/id/front", { method: "POST", headers: { ApiKey: apiKey, "Content-Type": "application/json" }, body: JSON.stringify({ image }) });
      const answer = await response.json();
      setShown(answer.error_code ? `rejected ${answer.error_code}` : "captured");
    } catch (error) {
      setShown(`failed ${(error as Error).name}`);
    }
  }
  return (
    <div>
      <button type="button" onClick={scan}>
        Scan
      </button>
      <output>{shown}</output>
    </div>
  );
}
