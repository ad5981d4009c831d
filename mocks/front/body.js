// Reading a request's body: at most the ceiling (the ASP.NET default, 30 MB), then parsed as JSON.
// The Node adapter reads a socket itself (it can answer 413 before reading and cut a client off);
// a web Request's body is read here, as a stream, so an endless one is cut at the ceiling too.

/** @import { BodyReader, Violation } from '../types.js' */

const decoder = new TextDecoder();
const TIMED_OUT = Symbol('timed out');

/**
 * A body reader over a web stream (a Request's body), or over no body. A body that has not ended
 * `timeoutMs` after the read began is cancelled (`timedOut`): an in-process stream that never
 * delivers must not hold its request, and its tenant's journal, forever.
 * @param {ReadableStream<Uint8Array> | null} stream
 * @param {number} timeoutMs
 * @returns {BodyReader}
 */
export function streamReader(stream, timeoutMs) {
  return {
    async read(limit) {
      if (!stream) return { bytes: new Uint8Array(0) };
      const reader = stream.getReader();
      /** @type {Uint8Array[]} */
      const chunks = [];
      let received = 0;
      /** @type {ReturnType<typeof setTimeout> | undefined} */
      let timer;
      const late = new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs, TIMED_OUT);
      });
      try {
        for (;;) {
          const next = await Promise.race([reader.read(), late]);
          if (next === TIMED_OUT) {
            await reader.cancel().catch(() => {});
            return { timedOut: true };
          }
          const { done, value } = /** @type {ReadableStreamReadResult<Uint8Array>} */ (next);
          if (done) break;
          received += value.byteLength;
          if (received > limit) {
            await reader.cancel().catch(() => {});
            return { tooLarge: true, received, cut: true };
          }
          chunks.push(value);
        }
      } catch {
        return { aborted: true };
      } finally {
        clearTimeout(timer);
      }
      return { bytes: concat(chunks, received) };
    },
  };
}

/**
 * @param {Uint8Array[]} chunks
 * @param {number} length
 */
export function concat(chunks, length) {
  if (chunks.length === 1) return /** @type {Uint8Array} */ (chunks[0]);
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * The body as JSON, or the field error of a body that is not JSON. V8 quotes a slice of the input in
 * some messages; only the position is kept (no image bytes echoed).
 * @param {Uint8Array} bytes
 * @returns {{ value: unknown } | { problem: Violation }}
 */
export function parseJson(bytes) {
  try {
    return { value: JSON.parse(decoder.decode(bytes)) };
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const position = /position (\d+)/.exec(message)?.[1];
    const where = position === undefined ? (/end of JSON|Unexpected end/.test(message) ? ' (it ends too early)' : '') : ` (at position ${position})`;
    return { problem: { field: 'body', message: `The request body is not valid JSON${where}.` } };
  }
}
