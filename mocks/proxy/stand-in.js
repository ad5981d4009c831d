// Stand-ins for the images and other binary payloads of a recording: small, valid, and distinct for
// distinct originals (the sandbox and the real service both refuse three identical faces), carrying
// nothing of the original but the first 16 hex digits of its SHA-256.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

// An 8x5 grey baseline JPEG (the description's own sample image, openapi/components/schemas/VerifyIdRequest.yaml).
const JPEG_TEMPLATE = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAFAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABAX/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCcAemv/9k=',
  'base64',
);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** @typedef {'jpeg' | 'png' | 'gif' | 'webp' | 'bytes'} PayloadKind */

/**
 * What the first bytes of a payload say it is.
 * @param {Uint8Array} bytes
 * @returns {PayloadKind}
 */
export function payloadKind(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (PNG_SIGNATURE.every((byte, index) => bytes[index] === byte)) return 'png';
  if (bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return 'gif';
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46 && bytes[8] === 0x57 && bytes[9] === 0x45) return 'webp';
  return 'bytes';
}

/** @type {Uint32Array | undefined} */
let crcTable;
/** @param {Uint8Array} bytes CRC-32 (ISO-HDLC), as PNG chunks need */
function crc32(bytes) {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of bytes) crc = /** @type {number} */ (crcTable[(crc ^ byte) & 0xff]) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** @param {string} type @param {Buffer} data */
function pngChunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A 1x1 PNG of a colour taken from the digest, with the label in a tEXt chunk.
 * @param {Buffer} digest
 * @param {string} label
 */
function standInPng(digest, label) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(1, 0);
  header.writeUInt32BE(1, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const pixels = deflateSync(Buffer.from([0, digest[0] ?? 0, digest[1] ?? 0, digest[2] ?? 0]));
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('tEXt', Buffer.from(`Comment\0${label}`, 'latin1')),
    pngChunk('IDAT', pixels),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The sample JPEG with the label in a comment segment right after its start-of-image marker.
 * @param {string} label
 */
function standInJpeg(label) {
  const text = Buffer.from(label, 'latin1');
  const segment = Buffer.alloc(4);
  segment.set([0xff, 0xfe], 0);
  segment.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([JPEG_TEMPLATE.subarray(0, 2), segment, text, JPEG_TEMPLATE.subarray(2)]);
}

/**
 * The stand-in of a payload, and what the recording says of the original: its size and SHA-256.
 * A JPEG or a PNG stays a JPEG or a PNG (a GIF or WebP becomes a PNG); anything else becomes a few
 * bytes naming it.
 * @param {Uint8Array} bytes the original, decoded
 * @returns {{ standIn: Buffer, kind: PayloadKind, bytes: number, sha256: string }}
 */
export function standInFor(bytes) {
  const digest = createHash('sha256').update(bytes).digest();
  const sha256 = digest.toString('hex');
  const kind = payloadKind(bytes);
  const label = `vlens stand-in for ${bytes.length} bytes, sha256 ${sha256.slice(0, 16)}`;
  const standIn = kind === 'jpeg' ? standInJpeg(label) : kind === 'bytes' ? Buffer.from(label, 'latin1') : standInPng(digest, label);
  return { standIn, kind, bytes: bytes.length, sha256 };
}
