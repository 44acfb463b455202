/**
 * Serialization of long-lived state (sessions, sender keys, backup contents) for storage.
 *
 * Wire formats are hand-laid binary (see `encoding.ts`); stored state changes shape more often,
 * so it is a versioned JSON document inside the usual two-byte header: byte arrays become
 * `{"$b": "<hex>"}` and maps `{"$m": [[k, v], ...]}`. Decoding checks the header, parses strictly
 * and hands back plain values; each state type validates the shape it expects with the `read*`
 * helpers here, so corrupted storage is a typed `malformed`, never a TypeError later. This file
 * deliberately encrypts nothing: storage at rest is protected by the platform or by `KeyBackup`.
 */
import { CryptoError } from './errors';
import { ByteReader, ByteWriter, fromHex, fromUtf8, toHex, utf8 } from './encoding';
import type { KindValue } from './encoding';

/** A value the state codec can carry. */
export type StateValue = null | boolean | number | string | Uint8Array | StateValue[] | Map<string, StateValue> | { [key: string]: StateValue };

function toJson(v: StateValue): unknown {
  if (v instanceof Uint8Array) return { $b: toHex(v) };
  if (v instanceof Map) return { $m: [...v.entries()].map(([k, x]) => [k, toJson(x)]) };
  if (Array.isArray(v)) return v.map(toJson);
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toJson(x);
    return o;
  }
  return v;
}

function fromJson(v: unknown): StateValue {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o['$b'] === 'string' && Object.keys(o).length === 1) return fromHex(o['$b']);
    if (Array.isArray(o['$m']) && Object.keys(o).length === 1) {
      const m = new Map<string, StateValue>();
      for (const e of o['$m']) {
        if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string') throw new CryptoError('malformed', 'decode');
        m.set(e[0], fromJson(e[1]));
      }
      return m;
    }
    const out: { [key: string]: StateValue } = {};
    for (const [k, x] of Object.entries(o)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw new CryptoError('malformed', 'decode');
      out[k] = fromJson(x);
    }
    return out;
  }
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  throw new CryptoError('malformed', 'decode');
}

/** Encodes state under `kind`. */
export function encodeState(kind: KindValue, value: StateValue): Uint8Array {
  return ByteWriter.withHeader(kind).bytes(utf8(JSON.stringify(toJson(value)))).finish();
}

/** Decodes state written by `encodeState` with the same `kind`. */
export function decodeState(kind: KindValue, bytes: Uint8Array): StateValue {
  const r = ByteReader.open(bytes, kind);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(r.rest()));
  } catch {
    throw new CryptoError('malformed', 'decode');
  }
  return fromJson(parsed);
}

function fail(): never {
  throw new CryptoError('malformed', 'decode');
}

/** Reads an object field set. */
export function readObject(v: StateValue | undefined): { [key: string]: StateValue } {
  if (v === null || v === undefined || typeof v !== 'object' || v instanceof Uint8Array || v instanceof Map || Array.isArray(v)) fail();
  return v;
}

/** Reads bytes, optionally of an exact length. */
export function readBytes(v: StateValue | undefined, length?: number): Uint8Array {
  if (!(v instanceof Uint8Array) || (length !== undefined && v.length !== length)) fail();
  return v;
}

/** Reads a non-negative safe integer. */
export function readUint(v: StateValue | undefined): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail();
  return v;
}

/** Reads a string. */
export function readString(v: StateValue | undefined): string {
  if (typeof v !== 'string') fail();
  return v;
}

/** Reads a boolean. */
export function readBool(v: StateValue | undefined): boolean {
  if (typeof v !== 'boolean') fail();
  return v;
}

/** Reads an array. */
export function readArray(v: StateValue | undefined): StateValue[] {
  if (!Array.isArray(v)) fail();
  return v;
}

/** Reads a map. */
export function readMap(v: StateValue | undefined): Map<string, StateValue> {
  if (!(v instanceof Map)) fail();
  return v;
}

/** Reads `null` or applies `f`. */
export function readNullable<T>(v: StateValue | undefined, f: (x: StateValue) => T): T | null {
  if (v === null) return null;
  if (v === undefined) fail();
  return f(v);
}
