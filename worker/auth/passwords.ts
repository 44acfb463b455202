/**
 * Password hashing: Argon2id (64 MiB, 3 passes, 4 lanes, 16-byte salt) stored as a PHC string,
 * verification in constant time, re-hash detection when the parameters change, a dummy hash so
 * unknown users cost the same time as real ones, and the password policy (length, common list).
 *
 * Why not hash-wasm: workerd, like Cloudflare, forbids compiling WebAssembly from bytes at run
 * time ("Wasm code generation disallowed by embedder"), and hash-wasm compiles its embedded
 * binary that way. openpgpjs's argon2id takes the WebAssembly modules from its caller, so the
 * worker imports them as precompiled modules (CompiledWasm) and it runs on workerd and
 * Cloudflare alike; tests check its output against hash-wasm and the published vectors.
 *
 * The hash is synchronous and holds the isolate's thread for its whole duration, so one runs
 * at a time per isolate; a bounded queue in front of it turns a login flood into quick 503s
 * instead of unbounded memory and latency (SECURITY-TESTS R8).
 */
import setupWasm, { type computeHash } from 'argon2id/lib/setup.js';
import simdModule from 'argon2id/dist/simd.wasm';
import noSimdModule from 'argon2id/dist/no-simd.wasm';
import { ApiError } from '../../protocol/errors';
import commonPasswords from './commonPasswords.txt';
import { base64url, equalBytes, fromBase64url, randomBytes } from './secrets';

/** The parameters every new hash uses (DESIGN.md invariant 6). */
export const ARGON2_PARAMS = { memorySize: 65536, passes: 3, parallelism: 4, tagLength: 32, saltLength: 16 } as const;

/** Most logins waiting for the hasher at once; past this the server answers 503 at once. */
export const MAX_QUEUED_HASHES = 32;

/** Shortest password accepted. */
export const MIN_PASSWORD_LENGTH = 10;
/** Longest password accepted: long enough for any passphrase, short enough to bound hashing input. */
export const MAX_PASSWORD_LENGTH = 1024;

let hasher: Promise<computeHash> | undefined;
function loadHasher(): Promise<computeHash> {
  hasher ??= setupWasm(
    async (imports) => ({ instance: await WebAssembly.instantiate(simdModule, imports), module: simdModule }),
    async (imports) => ({ instance: await WebAssembly.instantiate(noSimdModule, imports), module: noSimdModule }),
  );
  return hasher;
}

let busy = false;
const waiting: (() => void)[] = [];

/** Runs `work` when the hasher is free; refuses at once when too many are already waiting. */
async function exclusive<T>(work: () => T): Promise<T> {
  if (busy) {
    if (waiting.length >= MAX_QUEUED_HASHES) throw new ApiError('rate_limited', 'the server is busy checking passwords; try again in a moment');
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  busy = true;
  try {
    return work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else busy = false;
  }
}

/** Number of logins waiting for the hasher (for tests and the health of a flood). */
export function queuedHashes(): number {
  return waiting.length;
}

interface Phc {
  memorySize: number;
  passes: number;
  parallelism: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

/** Parses `$argon2id$v=19$m=…,t=…,p=…$salt$hash`; null for anything else. */
export function parsePhc(phc: string): Phc | null {
  const m = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,})\$([A-Za-z0-9+/]{16,})$/.exec(phc);
  if (!m) return null;
  const decode = (s: string) => fromBase64url(s.replace(/\+/g, '-').replace(/\//g, '_'));
  return { memorySize: Number(m[1]), passes: Number(m[2]), parallelism: Number(m[3]), salt: decode(m[4]!), hash: decode(m[5]!) };
}

function encodePhc(p: Phc): string {
  const b64 = (bytes: Uint8Array) => base64url(bytes).replace(/-/g, '+').replace(/_/g, '/');
  return `$argon2id$v=19$m=${p.memorySize},t=${p.passes},p=${p.parallelism}$${b64(p.salt)}$${b64(p.hash)}`;
}

async function compute(password: string, salt: Uint8Array, p: { memorySize: number; passes: number; parallelism: number; tagLength: number }): Promise<Uint8Array> {
  const argon2id = await loadHasher();
  return exclusive(() => argon2id({ password: new TextEncoder().encode(password), salt, ...p }));
}

/** Hashes a password with the current parameters and a fresh salt. */
export async function hashPassword(password: string, salt: Uint8Array = randomBytes(ARGON2_PARAMS.saltLength)): Promise<string> {
  const hash = await compute(password, salt, ARGON2_PARAMS);
  return encodePhc({ ...ARGON2_PARAMS, salt, hash });
}

/** Checks a password against a stored PHC string in constant time. */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parsePhc(phc);
  if (!parsed) return false;
  // Every stored password passed the policy, so one shorter than the minimum cannot match. It
  // must not reach the hasher either: openpgpjs's length check compares the byte array itself
  // with a number, so an empty password or a single byte 0x00–0x07 throws (a 500 on /login).
  // Hash a fixed stand-in instead, so the answer takes the same time, and say no.
  const tooShort = [...password].length < MIN_PASSWORD_LENGTH;
  const hash = await compute(tooShort ? 'chatalot: shorter than the minimum' : password, parsed.salt, { memorySize: parsed.memorySize, passes: parsed.passes, parallelism: parsed.parallelism, tagLength: parsed.hash.length });
  return !tooShort && equalBytes(hash, parsed.hash);
}

/** True when a stored hash used other parameters than the current ones (re-hash on next login). */
export function needsRehash(phc: string): boolean {
  const p = parsePhc(phc);
  return !p || p.memorySize !== ARGON2_PARAMS.memorySize || p.passes !== ARGON2_PARAMS.passes || p.parallelism !== ARGON2_PARAMS.parallelism || p.hash.length !== ARGON2_PARAMS.tagLength || p.salt.length !== ARGON2_PARAMS.saltLength;
}

/**
 * A hash of no one's password with the current parameters (16-byte salt, 32-byte tag, so it has
 * the same shape as a real one): verifying against it costs what a
 * real verification costs, so an unknown username answers as slowly as a wrong password.
 */
export const DUMMY_HASH = '$argon2id$v=19$m=65536,t=3,p=4$Y2hhdGFsb3QtZHVtbXkhIQ$5lqfIcEP8z4wJfYb3cQ8mX1UeGz3fwV3u7nQ0yOQnwM';

let common: Set<string> | undefined;

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, username: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  common ??= new Set(commonPasswords.split('\n').filter(Boolean));
  if (common.has(password.toLowerCase())) return 'this password is one of the 10,000 most common; choose another';
  if (password.toLowerCase().includes(username.toLowerCase()) && username.length >= 3) return 'password must not contain the username';
  return null;
}
