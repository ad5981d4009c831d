// Turns what callers hold (bytes, a Blob, base64 text or a data: URL) into the base64 text the API
// takes, and runs the pre-flight checks of the capture rules before anything is sent.
import { imageBase64MaxLength, imageBase64MinLength } from "../generated/limits.js";
import { VlensInputError } from "./errors.js";

/** An image as bytes, a Blob, or base64 text (a `data:...;base64,` prefix is stripped). */
export type ImageInput = string | Uint8Array | ArrayBuffer | Blob;

/** A face frame, optionally with the time it was captured (checked: three frames within 500 ms). */
export type FaceInput = ImageInput | { image: ImageInput; capturedAt: Date | number };

export type Faces = readonly [FaceInput, FaceInput, FaceInput];

export interface VlensWarning {
  code: "face-over-500kb";
  field: string;
  bytes: number;
  message: string;
}

export interface ImagePolicy {
  /** Turn the 500 KB face advice into an error. */
  strict: boolean;
  warn: (warning: VlensWarning) => void;
}

// Looking for one character outside the alphabet is about twice as fast on megabytes of text as
// matching the whole text against an anchored pattern.
const notBase64 = /[^A-Za-z0-9+/=]/;
const isBase64 = (text: string) => {
  const padding = text.indexOf("=");
  return !notBase64.test(text) && (padding === -1 || (padding >= text.length - 2 && text.endsWith("=")));
};
const dataUrlPrefix = /^data:[^,]*;base64,/i;
const megabytes = (bytes: number) => `${(bytes / 1048576).toFixed(2)} MB`;
const maxBytes = (imageBase64MaxLength / 4) * 3;

/** Bytes of image a base64 text stands for. */
export function decodedLength(base64: string): number {
  return (base64.length / 4) * 3 - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0);
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(start, start + 0x8000) as unknown as number[]);
  }
  return btoa(binary);
}

function checkSize(bytes: number, field: string): void {
  if (bytes === 0) throw new VlensInputError("image-empty", field, "the image is empty");
  if (bytes > maxBytes) {
    throw new VlensInputError(
      "image-too-large",
      field,
      `the image is ${megabytes(bytes)}; the API accepts at most ${megabytes(maxBytes)} (${imageBase64MaxLength} base64 characters)`,
    );
  }
}

function checkBytes(bytes: Uint8Array, field: string): string {
  checkSize(bytes.length, field);
  return toBase64(bytes);
}

/** The checks of `encodeImage` for base64 text, without a promise (the ID scans' common case). */
export function checkImageText(input: string, field: string): string {
  let base64 = input.replace(dataUrlPrefix, "");
  if (!base64.trim()) throw new VlensInputError("image-empty", field, "the image is empty");
  // One pass over the text when it is clean (the common case); a second only after removing line breaks.
  const clean = isBase64(base64) || isBase64((base64 = base64.replace(/\s+/g, "")));
  if (!clean || base64.length % 4 !== 0 || base64.length < imageBase64MinLength) {
    throw new VlensInputError("image-not-base64", field, "the image text is not standard padded base64 (A-Z, a-z, 0-9, +, /, =)");
  }
  if (base64.length > imageBase64MaxLength) checkSize(decodedLength(base64), field);
  return base64;
}

/** The image as checked base64 text, or a VlensInputError naming `field`. */
export async function encodeImage(input: ImageInput, field: string): Promise<string> {
  if (typeof input === "string") return checkImageText(input, field);
  if (input instanceof Uint8Array) return checkBytes(input, field);
  if (input instanceof ArrayBuffer) return checkBytes(new Uint8Array(input), field);
  if (typeof Blob !== "undefined" && input instanceof Blob) {
    checkSize(input.size, field);
    return checkBytes(new Uint8Array(await input.arrayBuffer()), field);
  }
  throw new VlensInputError("invalid-image", field, "expected a Uint8Array, an ArrayBuffer, a Blob or a base64 string");
}
