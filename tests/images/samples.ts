/**
 * Image bytes for tests: real encodings made here (PNG through zlib, GIF and WebP headers as the
 * formats define them), and the impostors an attacker would upload instead.
 */
import { deflateSync } from 'node:zlib';

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A valid RGB PNG of `width`×`height` in one colour; a non-empty `comment` goes into a tEXt chunk (where cameras put location and notes). */
export function png(width: number, height: number, rgb: [number, number, number] = [200, 40, 90], comment = ''): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (comment) parts.push(chunk('tEXt', Buffer.concat([Buffer.from('Comment\0'), Buffer.from(comment, 'latin1')])));
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** A 1×1 GIF89a with the given logical screen size in its header. */
export function gif(width: number, height: number): Uint8Array {
  const b = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return new Uint8Array(b);
}

/** A JPEG's opening segments up to its frame header (what the server reads): SOI, APP0, SOF0. */
export function jpegHead(width: number, height: number): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00];
  const sof = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 255, width >> 8, width & 255, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof, 0xff, 0xd9]);
}

/** A lossless WebP header (VP8L) declaring `width`×`height`, RIFF size exact. */
export function webpLossless(width: number, height: number): Uint8Array {
  const w = width - 1;
  const h = height - 1;
  const bits = [w & 0xff, ((w >> 8) & 0x3f) | ((h & 0x3) << 6), (h >> 2) & 0xff, (h >> 10) & 0x0f];
  const payload = Buffer.from([0x2f, ...bits, 0, 0, 0]);
  const chunkHead = Buffer.alloc(8);
  chunkHead.write('VP8L', 0, 'ascii');
  chunkHead.writeUInt32LE(payload.length, 4);
  const body = Buffer.concat([Buffer.from('WEBP'), chunkHead, payload, payload.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(body.length, 4);
  return new Uint8Array(Buffer.concat([riff, body]));
}

const text = (s: string) => new Uint8Array(Buffer.from(s));
/** What an attacker uploads as an "image". */
export const IMPOSTORS: Record<string, Uint8Array> = {
  html: text('<!doctype html><script>alert(document.cookie)</script>'),
  svg: text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'),
  'png signature then html': new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...text('<html><script>alert(1)</script></html>........')]),
  'truncated png': png(4, 4).subarray(0, 20),
  'gif with zero width': gif(0, 10),
  empty: new Uint8Array(0),
};
