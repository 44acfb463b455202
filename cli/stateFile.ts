/**
 * The state file of `chatalot-post` (issue #17 item 4): everything its device holds — identity
 * and account keys, prekeys, pairwise sessions, sender keys, the device's record — as the web
 * client keeps it in IndexedDB, plus the server, channel and refresh token. It is the bot's
 * private key material: written with mode 0600, atomically (a temporary file renamed over the
 * old one), so a crash mid-write leaves the previous state rather than half of one.
 *
 * IndexedDB values are structured clones; the ones the client stores are plain objects, arrays,
 * numbers, strings, booleans, null, Uint8Arrays and Maps (keys are never non-extractable CryptoKeys),
 * so a small tagged JSON carries them. Anything else is refused loudly rather than lost.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';

export const STATE_VERSION = 1;

export interface BotState {
  v: typeof STATE_VERSION;
  server: string;
  channelId: string;
  userId: string;
  /** The refresh token of the bot's one session (it rotates on every use; saved each time). */
  refreshToken: string;
  /** Each IndexedDB object store as [key, value] pairs, tagged (see encode). */
  stores: Record<string, [unknown, unknown][]>;
}

/** A value as JSON: Uint8Array → {$u8: base64}, ArrayBuffer → {$ab: base64}, Map → {$map: pairs}, Set → {$set: values}, undefined fields dropped. */
export function encode(value: unknown, path = '$'): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`state: ${path} is ${value}, which JSON cannot hold`);
    return value;
  }
  if (value instanceof Uint8Array) return { $u8: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (value instanceof ArrayBuffer) return { $ab: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map((v, i) => encode(v, `${path}[${i}]`));
  if (value instanceof Map) return { $map: [...value].map(([k, v], i) => [encode(k, `${path}<key ${i}>`), encode(v, `${path}<${i}>`)]) };
  if (value instanceof Set) return { $set: [...value].map((v, i) => encode(v, `${path}<${i}>`)) };
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encode(v, `${path}.${k}`);
    return out;
  }
  throw new Error(`state: ${path} is a ${Object.prototype.toString.call(value)}, which the state file cannot hold`);
}

export function decode(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(decode);
  const o = value as Record<string, unknown>;
  if (typeof o.$u8 === 'string' && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(o.$u8, 'base64'));
  if (Array.isArray(o.$map) && Object.keys(o).length === 1) return new Map((o.$map as [unknown, unknown][]).map(([k, v]) => [decode(k), decode(v)]));
  if (Array.isArray(o.$set) && Object.keys(o).length === 1) return new Set((o.$set as unknown[]).map(decode));
  if (typeof o.$ab === 'string' && Object.keys(o).length === 1) {
    const b = Buffer.from(o.$ab, 'base64');
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = decode(v);
  return out;
}

export async function readState(file: string): Promise<BotState> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no state file at ${file}: run \`chatalot-post enrol\` first, or pass --state`);
    throw e;
  }
  const state = JSON.parse(text) as BotState;
  if (state.v !== STATE_VERSION || typeof state.server !== 'string' || typeof state.channelId !== 'string' || typeof state.refreshToken !== 'string' || typeof state.stores !== 'object') {
    throw new Error(`${file} is not a chatalot-post state file (version ${STATE_VERSION})`);
  }
  return state;
}

export async function writeState(file: string, state: BotState): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state), { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}
