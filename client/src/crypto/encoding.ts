/**
 * Versioned binary formats: the framing every serialized object of the crypto core shares.
 *
 * Every encoded object starts with two bytes: a format version (currently 1) and a kind byte
 * naming what the object is (bundle, initial message, ratchet message, ...). Decoders check both
 * before reading anything else, so an unknown version is refused as `unknown-version` and an
 * object of the wrong kind (a group message handed to the DM decoder, say) as `malformed`.
 * Integers are big-endian. This file only frames and reads bytes; it deliberately knows nothing
 * about keys or protocol rules, and it never throws anything but a `CryptoError`.
 */
import { CryptoError } from './errors';

/** Format version written by this library. A new layout gets a new number, never a reinterpretation. */
export const FORMAT_VERSION = 1;

/** Kind byte of each serialized object (the second byte of every encoding). */
export const Kind = {
  IdentityPublic: 0x01,
  PreKeyBundle: 0x02,
  InitialMessage: 0x03,
  RatchetMessage: 0x04,
  SenderKeyMessage: 0x05,
  SenderKeyDistribution: 0x06,
  DeviceList: 0x07,
  KeyBackup: 0x08,
  SessionState: 0x09,
  SenderKeyState: 0x0a,
  SafetyNumberQr: 0x0b,
  BackupContents: 0x0c,
  SenderKeyRequest: 0x0d,
  BackupRekeyed: 0x0e,
  FileStream: 0x0f,
  CallSignal: 0x10,
} as const;
/** One of the `Kind` values. */
export type KindValue = (typeof Kind)[keyof typeof Kind];

/** Largest length a u16 length prefix can express; variable fields above it are refused. */
export const MAX_U16 = 0xffff;

/** Appends fields to a growing buffer. */
export class ByteWriter {
  private chunks: Uint8Array[] = [];
  private length = 0;

  /** Starts an encoding with the version and kind header. */
  static withHeader(kind: KindValue): ByteWriter {
    const w = new ByteWriter();
    w.u8(FORMAT_VERSION);
    w.u8(kind);
    return w;
  }

  /** Writes one byte. */
  u8(v: number): this {
    return this.bytes(Uint8Array.of(v & 0xff));
  }

  /** Writes a 16-bit big-endian unsigned integer. */
  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > MAX_U16) throw new CryptoError('malformed', 'encode');
    return this.bytes(Uint8Array.of(v >>> 8, v & 0xff));
  }

  /** Writes a 32-bit big-endian unsigned integer. */
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new CryptoError('malformed', 'encode');
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, false);
    return this.bytes(b);
  }

  /** Writes a non-negative safe integer (timestamps) as 64-bit big-endian. */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new CryptoError('malformed', 'encode');
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), false);
    return this.bytes(b);
  }

  /** Writes bytes as they are (fixed-length fields). */
  bytes(b: Uint8Array): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }

  /** Writes a u16 length prefix then the bytes. */
  var16(b: Uint8Array): this {
    this.u16(b.length);
    return this.bytes(b);
  }

  /** Writes a u32 length prefix then the bytes. */
  var32(b: Uint8Array): this {
    this.u32(b.length);
    return this.bytes(b);
  }

  /** Concatenates everything written. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** Reads fields from a buffer; any overrun is a typed `malformed` error. */
export class ByteReader {
  private offset = 0;

  constructor(private readonly buf: Uint8Array) {}

  /** Opens an encoding, checking version and kind. */
  static open(buf: unknown, kind: KindValue): ByteReader {
    if (!(buf instanceof Uint8Array) || buf.length < 2) throw new CryptoError('malformed', 'decode');
    if (buf[0] !== FORMAT_VERSION) throw new CryptoError('unknown-version', 'decode');
    if (buf[1] !== kind) throw new CryptoError('malformed', 'decode');
    const r = new ByteReader(buf);
    r.offset = 2;
    return r;
  }

  /** Current read position. */
  get position(): number {
    return this.offset;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.buf.length - this.offset;
  }

  /** Reads one byte. */
  u8(): number {
    return this.bytes(1)[0] as number;
  }

  /** Reads a 16-bit big-endian unsigned integer. */
  u16(): number {
    const b = this.bytes(2);
    return ((b[0] as number) << 8) | (b[1] as number);
  }

  /** Reads a 32-bit big-endian unsigned integer. */
  u32(): number {
    const b = this.bytes(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, false);
  }

  /** Reads a 64-bit value that must fit a safe integer. */
  u64(): number {
    const b = this.bytes(8);
    const v = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, false);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CryptoError('malformed', 'decode');
    return Number(v);
  }

  /** Reads `n` bytes (a copy, so callers may keep it). */
  bytes(n: number): Uint8Array {
    if (n < 0 || this.offset + n > this.buf.length) throw new CryptoError('malformed', 'decode');
    const out = this.buf.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** Reads a u16-length-prefixed field. */
  var16(): Uint8Array {
    return this.bytes(this.u16());
  }

  /** Reads a u32-length-prefixed field, refusing lengths above `max`. */
  var32(max: number): Uint8Array {
    const n = this.u32();
    if (n > max) throw new CryptoError('malformed', 'decode');
    return this.bytes(n);
  }

  /** Reads everything left. */
  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  /** Refuses trailing bytes: every format has exactly one encoding. */
  end(): void {
    if (this.offset !== this.buf.length) throw new CryptoError('malformed', 'decode');
  }
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 encodes a string. */
export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/** Strict UTF-8 decode; invalid sequences are `malformed`. */
export function fromUtf8(b: Uint8Array): string {
  try {
    return textDecoder.decode(b);
  } catch {
    throw new CryptoError('malformed', 'decode');
  }
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Lower-case hex of bytes. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Parses lower- or upper-case hex; anything else is `malformed`. */
export function fromHex(h: string): Uint8Array {
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw new CryptoError('malformed', 'decode');
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Equality that does not stop at the first differing byte (for secrets and MAC-like values). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/** Length-prefixed (u16) concatenation, so labelled inputs can never run into each other. */
export function framed(...parts: Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  for (const p of parts) w.var16(p);
  return w.finish();
}
