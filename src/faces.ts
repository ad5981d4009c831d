// The liveness capture rules for three face frames, run before anything is sent (loaded with the
// flows, which alone send faces).
import { VlensInputError } from "./errors.js";
import { decodedLength, encodeImage, type Faces, type ImageInput, type ImagePolicy } from "./images.js";

// Capture rules of verify/liveness/multi (prose of the description, not schema keywords).
const faceAdviceBytes = 500 * 1024;
const faceWindowMs = 500;

/** The three faces as base64, after the liveness capture rules: sizes, no two identical, captured within 500 ms. */
export async function encodeFaces(faces: Faces, policy: ImagePolicy): Promise<[string, string, string]> {
  if (!Array.isArray(faces) || faces.length !== 3) throw new VlensInputError("invalid-image", "faces", "exactly three face images are needed");
  const times: number[] = [];
  const encoded: string[] = [];
  for (const [index, face] of faces.entries()) {
    const field = `faces[${index}]`;
    const isTimed = typeof face === "object" && face !== null && "image" in face;
    const base64 = await encodeImage(isTimed ? face.image : (face as ImageInput), field);
    if (isTimed) times.push(+face.capturedAt);
    const bytes = decodedLength(base64);
    if (bytes > faceAdviceBytes) {
      const message = `${field}: the face is ${Math.round(bytes / 1024)} KB; Vlens advises under 500 KB per face`;
      if (policy.strict) throw new VlensInputError("face-too-large", field, message.slice(field.length + 2));
      policy.warn({ code: "face-over-500kb", field, bytes, message });
    }
    const twin = encoded.indexOf(base64);
    if (twin !== -1) throw new VlensInputError("faces-identical", field, `identical to faces[${twin}]; liveness needs three different frames`);
    encoded.push(base64);
  }
  if (times.some((time) => !Number.isFinite(time))) throw new VlensInputError("invalid-image", "faces", "capturedAt must be a Date or a number of milliseconds");
  const spread = times.length > 1 ? Math.max(...times) - Math.min(...times) : 0;
  if (spread > faceWindowMs) {
    throw new VlensInputError("faces-too-far-apart", "faces", `the frames were captured ${spread} ms apart; liveness needs all three within ${faceWindowMs} ms`);
  }
  return encoded as [string, string, string];
}
