// Where the sandbox's ids and tokens come from: the platform's random numbers, or, given a seed, a
// stream of SHA-256 blocks of the seed and a counter, so that two sandboxes with the same seed issue
// the same ids and tokens (snapshot tests need that). Web-standard: crypto.getRandomValues works in
// pages served over plain HTTP too, where crypto.randomUUID does not.
import { sha256 } from '@noble/hashes/sha2.js';

const encoder = new TextEncoder();

/**
 * @param {string | number | undefined} seed
 */
export function createRandom(seed) {
  /** @type {(length: number) => Uint8Array} */
  let bytes;
  if (seed === undefined) {
    bytes = (length) => crypto.getRandomValues(new Uint8Array(length));
  } else {
    const prefix = `vlens-sandbox-seed:${seed}:`;
    let counter = 0;
    let pool = new Uint8Array(0);
    bytes = (length) => {
      while (pool.length < length) {
        const block = sha256(encoder.encode(`${prefix}${counter++}`));
        const grown = new Uint8Array(pool.length + block.length);
        grown.set(pool);
        grown.set(block, pool.length);
        pool = grown;
      }
      const taken = pool.slice(0, length);
      pool = pool.slice(length);
      return taken;
    };
  }
  return {
    bytes,
    /** An RFC 9562 version 4 UUID, lower case. */
    uuid() {
      const value = bytes(16);
      value[6] = ((value[6] ?? 0) & 0x0f) | 0x40;
      value[8] = ((value[8] ?? 0) & 0x3f) | 0x80;
      const hex = [...value].map((byte) => byte.toString(16).padStart(2, '0')).join('');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  };
}

/** @typedef {ReturnType<typeof createRandom>} Random */

/**
 * Base64 (standard alphabet, padded) of bytes.
 * @param {Uint8Array} bytes
 */
export function toBase64(bytes) {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  return btoa(binary);
}

/**
 * Base64url without padding (RFC 4648 §5), as JWTs use.
 * @param {Uint8Array} bytes
 */
export const toBase64Url = (bytes) => toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/**
 * The bytes a base64 text encodes.
 * @param {string} text
 */
export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * SHA-256 (hex) of bytes or of a text's UTF-8 bytes.
 * @param {Uint8Array | string} input
 */
export function sha256Hex(input) {
  const digest = sha256(typeof input === 'string' ? encoder.encode(input) : input);
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
