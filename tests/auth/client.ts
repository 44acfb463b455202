/**
 * A small HTTP client for the auth tests: JSON calls against a running server, account helpers
 * (register, login, invites), TOTP codes computed independently of the server's clock reads,
 * and a raw dump of everything a storage back end holds, to search for secrets (A4, A6).
 * It asserts nothing itself; tests state the rules.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { hotp, stepAt } from '../../worker/auth/totp';
import type { AuthResponse } from '../../protocol/auth';
import type { RunningServer } from '../helpers/server';

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
  ms: number;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One JSON request; the body is parsed when there is one.
 *
 * Each call has a connection of its own (`Connection: close`). workerd closes a kept-alive
 * connection after 5 s without a request, and fetch keeps an idle one for about 4 s; on a loaded
 * machine the two race, and a request written just as workerd closes the socket fails with
 * "fetch failed" (other side closed) before the server has read it. The same happens when the
 * server's one JS thread is busy hashing passwords (a login flood) for longer than those 5 s: its
 * idle timer fires before it reads the request already waiting on the socket. A new connection
 * has no idle timer, so neither can happen.
 */
export async function call<T = any>(server: { url: string }, method: string, path: string, options: CallOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { Connection: 'close', ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
  const started = performance.now();
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, body: body as T, headers: res.headers, ms };
}

/** A random 32-byte recovery verifier, base64url, as the client derives it. */
export function newVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/** A unique, valid username. */
export function uniqueName(prefix = 'u'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** A password no list contains. */
export function strongPassword(): string {
  return `pw-${randomBytes(9).toString('base64url')}-Q7`;
}

export interface Account {
  username: string;
  password: string;
  verifier: string;
  auth: AuthResponse;
}

export async function register(server: { url: string }, fields: { username?: string; password?: string; inviteCode?: string; deviceName?: string; headers?: Record<string, string> } = {}): Promise<Account> {
  const username = fields.username ?? uniqueName();
  const password = fields.password ?? strongPassword();
  const verifier = newVerifier();
  const r = await call<AuthResponse>(server, 'POST', '/api/auth/register', {
    body: { acceptTerms: 1, username, password, recoveryVerifier: verifier, ...(fields.inviteCode ? { inviteCode: fields.inviteCode } : {}), ...(fields.deviceName ? { deviceName: fields.deviceName } : {}) },
    ...(fields.headers ? { headers: fields.headers } : {}),
  });
  if (r.status !== 201) throw new Error(`register ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  return { username, password, verifier, auth: r.body };
}

export function login(server: { url: string }, username: string, password: string, extra: { code?: string; deviceName?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const { headers, ...fields } = extra;
  return call(server, 'POST', '/api/auth/login', { body: { username, password, ...fields }, ...(headers ? { headers } : {}) });
}

/** Creates an instance invite as `adminToken` and returns its code. */
export async function invite(server: { url: string }, adminToken: string, fields: { maxUses?: number; expiresInSeconds?: number } = {}): Promise<string> {
  const r = await call(server, 'POST', '/api/invites', { token: adminToken, body: fields });
  if (r.status !== 201) throw new Error(`invite: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.code as string;
}

export function base32Decode(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of text.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

/** The TOTP code for the step `delta` steps from the current one (server clock offset included). */
export function totp(secretBase32: string, delta = 0, offsetMs = 0): string {
  return hotp(base32Decode(secretBase32), stepAt(Date.now() + offsetMs) + delta);
}

/**
 * Waits until at least `ms` remain in the current 30-second TOTP step, so a test that computes
 * codes for "now ± n" is not split by a step boundary halfway through.
 */
export async function freshTotpWindow(ms: number, offsetMs = 0): Promise<void> {
  const left = 30_000 - ((Date.now() + offsetMs) % 30_000);
  if (left < ms) await new Promise((r) => setTimeout(r, left + 50));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Backend = 'sqlite' | 'postgres';

/**
 * Everything the storage holds, as one string per stored unit: for SQLite every file under the
 * Durable Object directory read as bytes (latin1, so any ASCII token shows as itself); for
 * PostgreSQL every row of every table in the public schema as text.
 */
export async function dumpStorage(server: RunningServer, backend: Backend, databaseUrl?: string): Promise<string> {
  if (backend === 'sqlite') {
    const parts: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else parts.push(readFileSync(p).toString('latin1'));
      }
    };
    walk(join(server.dataDir, 'do'));
    return parts.join('\n');
  }
  const sql = postgres(databaseUrl!, { max: 1, onnotice: () => undefined });
  try {
    const tables = await sql<{ tablename: string }[]>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
    const parts: string[] = [];
    for (const { tablename } of tables) {
      const rows = await sql.unsafe(`SELECT t::text AS row FROM "${tablename}" t`);
      for (const r of rows) parts.push(`${tablename} ${r.row as string}`);
    }
    return parts.join('\n');
  } finally {
    await sql.end();
  }
}

/** Rows of `table` that mention `needle` (PostgreSQL only; SQLite tests search the file dump). */
export async function pgRowsMentioning(databaseUrl: string, needle: string): Promise<string[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => undefined });
  try {
    const tables = await sql<{ tablename: string }[]>`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
    const hits: string[] = [];
    for (const { tablename } of tables) {
      const rows = await sql.unsafe(`SELECT t::text AS row FROM "${tablename}" t WHERE t::text LIKE $1`, [`%${needle}%`]);
      for (const r of rows) hits.push(`${tablename} ${r.row as string}`);
    }
    return hits;
  } finally {
    await sql.end();
  }
}

/** SHA-256 hex of a string: the form the server stores tokens and codes in. */
export function digestOf(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
