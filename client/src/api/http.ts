/**
 * The client's one door to the REST API: JSON in and out, typed errors, and the access token.
 *
 * The 15-minute access token lives only in memory. The 30-day refresh token is persisted by the
 * `TokenPersistence` the app installs (IndexedDB, see stores/session.ts). A request answered 401
 * refreshes once and is retried once; refreshes are serialised across tabs with the Web Locks
 * API, and inside the lock the stored token is read again, so two tabs never present the same
 * rotated token (which the server would treat as theft and end the session). This file does not
 * know any route; api/auth.ts, api/keys.ts and api/communities.ts do.
 */
import type { AuthResponse } from '../../../protocol/auth';
import type { BatchResponse, BatchResult } from '../../../protocol/http';
import { MAX_BATCH_PATHS } from '../../../protocol/limits';
import { nextTask, taskSlot } from './taskSlot';
import { withLock } from './webLock';

/** A refusal from the server, with its machine-readable code (protocol/errors.ts and route-specific ones). */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where the refresh token is kept between page loads. */
export interface TokenPersistence {
  load(): Promise<string | null>;
  save(refreshToken: string | null): Promise<void>;
}

let accessToken: string | null = null;
let accessTokenExpiresAt = 0;
let persistence: TokenPersistence | null = null;
let refreshing: Promise<AuthResponse | null> | null = null;
let onSessionEnded: (() => void) | null = null;
let onRefreshed: ((r: AuthResponse) => void) | null = null;
/** Set while a sign-out ends the session: other authenticated requests are refused here, not sent to fail with 401. */
let signingOut = false;

/** Installs the refresh-token persistence and the callbacks for a refreshed or ended session. */
export function configureAuth(options: { persistence: TokenPersistence; sessionEnded: () => void; refreshed: (r: AuthResponse) => void }): void {
  persistence = options.persistence;
  onSessionEnded = options.sessionEnded;
  onRefreshed = options.refreshed;
}

/** The current access token, for WebSocket subprotocols. */
export function currentAccessToken(): string | null {
  return accessToken;
}

/**
 * Runs `end` (removing the device, logging out) with every other authenticated request refused
 * locally as `signed_out`: a screen still mounted would otherwise send one with a token the
 * logout has just revoked, get a 401, and present the revoked refresh token for another.
 */
export async function whileSigningOut<T>(end: () => Promise<T>): Promise<T> {
  signingOut = true;
  try {
    return await end();
  } finally {
    signingOut = false;
  }
}

/** Whether a sign-out is ending the session (sockets stand down rather than reconnect). */
export function isSigningOut(): boolean {
  return signingOut;
}

/** Stores a fresh pair after login, register or refresh. */
export async function setTokens(r: { accessToken: string; refreshToken: string; expiresIn: number } | null): Promise<void> {
  accessToken = r?.accessToken ?? null;
  accessTokenExpiresAt = r ? Date.now() + r.expiresIn * 1000 : 0;
  await persistence?.save(r?.refreshToken ?? null);
}

/** The server's REFRESH_RACE_MS and a margin: a refresh refused as a conflict is tried once more after it. */
const CONFLICT_RETRY_MS = 2500;

async function doRefresh(): Promise<AuthResponse | null> {
  const attempt = async (retried = false): Promise<AuthResponse | null> => {
    const token = await persistence?.load();
    if (!token) return null;
    let res: Response;
    try {
      res = await fetch('/api/auth/refresh', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: token }) });
    } catch {
      // The server cannot be reached: no answer, and the token stays for the next attempt (a
      // rejection here went unhandled where a reconnecting socket refreshes).
      return null;
    }
    if (!res.ok) {
      // Only a definite refusal ends the session; a network failure or 5xx leaves the token for later.
      if (res.status === 401) {
        const body = (await res.json().catch(() => null)) as { error?: { code?: string } } | null;
        // The token was exchanged a moment ago: by another tab (which stored the new one: read
        // it again) or by this page's previous life, whose answer never arrived (the server
        // answers that again once the race window has passed).
        if (body?.error?.code === 'refresh_conflict') return retried ? null : new Promise((r) => setTimeout(r, CONFLICT_RETRY_MS)).then(() => attempt(true));
        await persistence?.save(null);
        accessToken = null;
        onSessionEnded?.();
      }
      return null;
    }
    const r = (await res.json()) as AuthResponse;
    await setTokens(r);
    onRefreshed?.(r);
    return r;
  };
  return withLock('chatalot-refresh', () => attempt());
}

/**
 * Exchanges the stored refresh token for a new pair (one refresh in flight per tab). Null when
 * there is no session (the caller shows the login screen) or the server cannot be reached.
 */
export function refreshSession(): Promise<AuthResponse | null> {
  if (signingOut) return Promise.resolve(null);
  refreshing ??= doRefresh().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** The access token, refreshed first when it expires within a minute (before opening a socket). */
export async function freshAccessToken(): Promise<string | null> {
  if (!accessToken || Date.now() > accessTokenExpiresAt - 60_000) await refreshSession();
  return accessToken;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Send the access token (default true). */
  auth?: boolean;
  /** A binary body (sent as application/octet-stream) instead of JSON. */
  raw?: Uint8Array | Blob;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** One of the sign-out's own requests (see `whileSigningOut`). */
  signOut?: boolean;
}

async function send(path: string, options: RequestOptions): Promise<Response> {
  const slot = taskSlot();
  if (slot) await slot;
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.raw !== undefined) headers['Content-Type'] = 'application/octet-stream';
  if (options.auth !== false && accessToken) headers.Authorization = `Bearer ${accessToken}`;
  const body = options.raw ? (options.raw instanceof Blob ? options.raw : new Blob([options.raw as Uint8Array<ArrayBuffer>])) : (options.body === undefined ? undefined : JSON.stringify(options.body));
  return fetch(path, { method: options.method ?? 'GET', headers, body });
}

/**
 * GETs of JSON asked for in one task go to the server together, as one `POST /api/batch`, when
 * there are several. Opening the chat asks for a dozen lists at once (communities, members,
 * roles, emoji, blocks, warnings, announcements, devices…): one request instead of a dozen, which
 * over HTTP/1.1 (a browser runs six at a time to one host) took several round trips, each slow on
 * a phone's network. The server answers each read exactly as it would alone, so callers see no difference: a batch
 * refused as a whole (an expired token: 401) gives each read that answer, which then refreshes
 * and retries as it would alone, and a read too large for a batch is read on its own.
 */
let gathering: { path: string; settle: (res: Promise<Response>) => void }[] | null = null;

function gathered(path: string): Promise<Response> {
  return new Promise((settle) => {
    if (!gathering) {
      gathering = [];
      nextTask(sendGathered);
    }
    gathering.push({ path, settle });
  });
}

function sendGathered(): void {
  const all = gathering ?? [];
  gathering = null;
  for (let i = 0; i < all.length; i += MAX_BATCH_PATHS) {
    const group = all.slice(i, i + MAX_BATCH_PATHS);
    if (group.length === 1) group[0]!.settle(send(group[0]!.path, {}));
    else void sendBatch(group);
  }
}

async function sendBatch(group: NonNullable<typeof gathering>): Promise<void> {
  let res: Response;
  try {
    res = await send('/api/batch', { method: 'POST', body: { paths: group.map((g) => g.path) } });
  } catch (e) {
    for (const g of group) g.settle(Promise.reject(e));
    return;
  }
  if (!res.ok) {
    const text = await res.text().catch(() => '');
    for (const g of group) g.settle(Promise.resolve(new Response(text, { status: res.status, headers: res.headers })));
    return;
  }
  const results = ((await res.json().catch(() => null)) as BatchResponse | null)?.results;
  group.forEach((g, k) => {
    const r: BatchResult | undefined = results?.[k];
    const tooLarge = r?.status === 413 && (r.body as { error?: { code?: string } } | null)?.error?.code === 'too_large';
    if (!r || tooLarge) g.settle(send(g.path, {}));
    else g.settle(Promise.resolve(answered(r)));
  });
}

/**
 * A batched read's answer as a `Response`. A successful body is already parsed (it came inside
 * the batch's JSON): it is handed to `api()` as it is rather than written out and parsed again,
 * which for the chat's long lists was a stringify and a parse on the start-up path.
 */
const parsedBodies = new WeakMap<Response, unknown>();

function answered(r: BatchResult): Response {
  if (r.status === 204) return new Response(null, { status: 204 });
  if (r.status < 200 || r.status > 299) return Response.json(r.body, { status: r.status });
  const res = new Response(null, { status: r.status });
  parsedBodies.set(res, r.body);
  return res;
}

/** Whether a call may travel in a batch: a signed-in GET of JSON with nothing of its own to send. */
function batchable(path: string, options: RequestOptions): boolean {
  return (options.method ?? 'GET') === 'GET' && options.body === undefined && options.raw === undefined && options.headers === undefined && options.auth !== false && !options.signOut && accessToken !== null && path.startsWith('/api/') && !path.startsWith('/api/images/');
}

/** Sends with one retry after refreshing an expired access token; network failures become `ApiRequestError`. */
async function sendAuthed(path: string, options: RequestOptions, gather = false): Promise<Response> {
  if (signingOut && options.auth !== false && !options.signOut) throw new ApiRequestError(0, 'signed_out', 'You are signing out.');
  const once = () => (gather && batchable(path, options) ? gathered(path) : send(path, options));
  try {
    const res = await once();
    if (res.status === 401 && options.auth !== false && !options.signOut && (await refreshSession())) return await once();
    return res;
  } catch {
    throw new ApiRequestError(0, 'network', 'The server cannot be reached.');
  }
}

async function failure(res: Response): Promise<ApiRequestError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  return new ApiRequestError(res.status, body?.error?.code ?? 'http_' + res.status, body?.error?.message ?? `The server answered ${res.status}.`);
}

/** Calls the API; resolves with the parsed JSON body (undefined for 204) or throws `ApiRequestError`. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await sendAuthed(path, options, true);
  if (res.status === 204) return undefined as T;
  if (!res.ok) throw await failure(res);
  if (parsedBodies.has(res)) return parsedBodies.get(res) as T;
  return (await res.json().catch(() => null)) as T;
}

/** Calls a route that answers with bytes (the key backup); throws `ApiRequestError` like `api`. */
export async function apiBytes(path: string, options: RequestOptions = {}): Promise<{ bytes: Uint8Array; headers: Headers }> {
  const res = await sendAuthed(path, options);
  if (!res.ok) throw await failure(res);
  return { bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

/** Calls a route that answers with a stream of bytes (a file's ciphertext): the body is read as it arrives, never whole. */
export async function apiStream(path: string, options: RequestOptions = {}): Promise<{ body: ReadableStream<Uint8Array>; headers: Headers }> {
  const res = await sendAuthed(path, options);
  if (!res.ok) throw await failure(res);
  if (!res.body) throw new ApiRequestError(res.status, 'empty', 'The server sent no content.');
  return { body: res.body, headers: res.headers };
}
