/**
 * `chatalot-post`: an end-to-end encrypted webhook (issue #17 item 4) — a command-line client a
 * CI system runs to post into one channel, sealing each post on its own machine so the server
 * stores only ciphertext, like any member's message.
 *
 *   chatalot-post enrol --server URL --channel ID --token TOKEN [--state FILE] [--name NAME]
 *   chatalot-post post [--state FILE] TEXT…        (TEXT "-" reads the message from stdin)
 *   chatalot-post fingerprint [--state FILE]
 *
 * It is the web client's own code (client/src: the Engine, the crypto library, the API layer)
 * run in Node: IndexedDB is fake-indexeddb, loaded from and saved to the state file around each
 * run (cli/stateFile.ts), the WebSocket is `ws`, and relative API paths go to `--server`. So the
 * bot's device registers, publishes a signed device list, receives and hands out sender keys
 * and seals exactly as a browser does; nothing here re-implements the protocol.
 *
 * Exit codes: 0 posted (or enrolled); 1 refused or failed (the reason on stderr); 2 bad usage.
 */
import WebSocket from 'ws';
import { IDBFactory } from 'fake-indexeddb';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { STATE_VERSION, decode, encode, readState, writeState, type BotState } from './stateFile';
import { SUBPROTOCOL } from '../protocol/subprotocol';

const DEFAULT_STATE = '.chatalot-post.json';
/** How long one post may take in all (connect, distribute keys, send, ack), ms. */
const POST_TIMEOUT_MS = 120_000;

class UsageError extends Error {}

interface Args {
  command: string;
  flags: Map<string, string>;
  rest: string[];
}

function parseArgs(argv: string[]): Args {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  const [command = 'help', ...tail] = argv;
  for (let i = 0; i < tail.length; i++) {
    const a = tail[i]!;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    const value = m[2] ?? tail[++i];
    if (value === undefined) throw new UsageError(`--${m[1]} needs a value`);
    flags.set(m[1]!, value);
  }
  return { command, flags, rest };
}

const USAGE = `chatalot-post: post end-to-end encrypted messages into a Chatalot channel as a webhook

  chatalot-post enrol --server URL --channel ID --token TOKEN [--state FILE] [--name NAME]
      Make this machine's device keys (kept in FILE, default ${DEFAULT_STATE}) and register them
      with the webhook's one-time enrolment token. Then ask a channel manager to approve the
      webhook, comparing the fingerprint printed here with the one the app shows.
  chatalot-post post [--state FILE] TEXT...
      Seal TEXT (Markdown; "-" reads standard input) and post it. FILE is updated: keep it.
  chatalot-post fingerprint [--state FILE]
      Print this device's fingerprint again.

The state file holds the webhook's private keys and session: store it like a deploy key.`;

/** Points the browser globals the client code uses at `server`. */
function installGlobals(server: URL): void {
  const g = globalThis as Record<string, unknown>;
  const realFetch = globalThis.fetch;
  g.fetch = (input: string | URL | Request, init?: RequestInit) => realFetch(typeof input === 'string' && input.startsWith('/') ? new URL(input, server).href : input, init);
  g.indexedDB = new IDBFactory();
  g.WebSocket = class extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      // A browser reports a failed socket as an event; `ws` throws when nobody listens.
      this.on('error', () => undefined);
    }
  };
  g.addEventListener ??= () => undefined;
  g.removeEventListener ??= () => undefined;
  if (typeof g.navigator === 'undefined') g.navigator = { onLine: true };
  Object.defineProperty(globalThis, 'location', { value: new URL(server.origin), configurable: true, writable: true });
}

async function loadClient() {
  const [http, engine, idb, keyStore, deviceDb, franking, crypto, base64, fingerprint] = await Promise.all([
    import('../client/src/api/http'),
    import('../client/src/e2ee/Engine'),
    import('../client/src/stores/idb'),
    import('../client/src/stores/IndexedDbKeyStore'),
    import('../client/src/stores/DeviceDb'),
    import('../client/src/e2ee/franking'),
    import('../client/src/crypto'),
    import('../client/src/e2ee/base64'),
    import('../client/src/e2ee/deviceFingerprint'),
  ]);
  return { http, engine, idb, keyStore, deviceDb, franking, crypto, base64, fingerprint };
}
type Client = Awaited<ReturnType<typeof loadClient>>;
type Db = Awaited<ReturnType<Client['idb']['Db']['open']>>;

function storeNames(client: Client): string[] {
  return [...client.keyStore.KEY_STORES, ...client.deviceDb.APP_STORES];
}

async function openDb(client: Client, state: BotState | null): Promise<Db> {
  const db = await client.idb.Db.open(client.deviceDb.DB_NAME, client.deviceDb.DB_VERSION, storeNames(client));
  for (const [store, entries] of Object.entries(state?.stores ?? {})) {
    if (!storeNames(client).includes(store)) continue;
    for (const [key, value] of entries) await db.put(store, decode(key) as IDBValidKey, decode(value));
  }
  return db;
}

async function dumpDb(client: Client, db: Db): Promise<BotState['stores']> {
  const out: BotState['stores'] = {};
  for (const store of storeNames(client)) out[store] = (await db.entries(store)).map(([k, v]) => [encode(k, `${store}:key`), encode(v, `${store}[${String(k)}]`)]);
  return out;
}

/** Signs in with the state's refresh token (saving the rotated one at once) and starts the Engine. */
async function startDevice(client: Client, file: string, state: BotState, deviceName: string) {
  let token: string | null = state.refreshToken;
  client.http.configureAuth({
    persistence: { load: async () => token, save: async (t) => void (token = t) },
    sessionEnded: () => undefined,
    refreshed: () => undefined,
  });
  const r = await client.http.refreshSession();
  if (!r || !token) throw new Error('the server refused this webhook\'s session: the webhook was deleted, the enrolment token was used already, or the session expired after 30 days unused. Create a new encrypted webhook and enrol again.');
  state.refreshToken = token;
  state.userId = r.user.id;
  // The old token is spent: keep the new one before anything else can fail.
  await writeState(file, state);
  const db = await openDb(client, state);
  const engine = await client.engine.Engine.start(db, r.user, deviceName);
  const save = async () => {
    state.refreshToken = token ?? state.refreshToken;
    state.stores = await dumpDb(client, db);
    await writeState(file, state);
  };
  return { engine, db, save };
}

async function ownFingerprint(client: Client, db: Db): Promise<string> {
  const identity = await new client.keyStore.IndexedDbKeyStore(db).getIdentity();
  if (!identity) throw new Error('the state file holds no device identity');
  return client.fingerprint.deviceFingerprint(client.base64.toBase64Url(client.crypto.encodeIdentityPublic(client.crypto.identityPublicOf(identity))));
}

async function enrol(args: Args): Promise<void> {
  const server = args.flags.get('server');
  const channelId = args.flags.get('channel');
  const enrolment = args.flags.get('token');
  if (!server || !channelId || !enrolment) throw new UsageError('enrol needs --server, --channel and --token (shown once when the webhook was created)');
  const file = args.flags.get('state') ?? DEFAULT_STATE;
  if (existsSync(file)) throw new UsageError(`${file} exists already: this machine is enrolled. Delete it to enrol again (the old device stops working).`);
  const url = new URL(server);
  installGlobals(url);
  const client = await loadClient();
  const state: BotState = { v: STATE_VERSION, server: url.origin, channelId, userId: '', refreshToken: enrolment, stores: {} };
  const { engine, db, save } = await startDevice(client, file, state, args.flags.get('name') ?? 'chatalot-post');
  try {
    // The signed device list, so members' clients accept this device (their own check, DeviceLists.ts).
    await engine.lists.syncOwn();
    // Spend the session's next refresh token too, so the enrolment token is worth nothing from
    // now on: presented again (a copy in a CI log), it is a reuse, and the server ends the session.
    if (!(await client.http.refreshSession())) throw new Error('the server ended the session during enrolment');
    process.stdout.write(`Enrolled. Device fingerprint: ${await ownFingerprint(client, db)}\nAsk a manager of the channel to approve this webhook in the app, checking that it shows the same fingerprint.\n`);
  } finally {
    engine.stop();
    await save();
  }
}

/** Opens the channel socket with the current access token. */
function channelSocket(server: string, channelId: string, token: string): Promise<WebSocket> {
  const url = `${server.replace(/^http/, 'ws')}/ws/channels/${encodeURIComponent(channelId)}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [SUBPROTOCOL, `bearer.${token}`]);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) =>
      reject(
        new Error(
          res.statusCode === 404
            ? 'the channel refused this webhook: it is not approved yet, or it was deleted. Ask a channel manager to approve it.'
            : `the channel socket was refused (${res.statusCode})`,
        ),
      ),
    );
    ws.once('error', reject);
  });
}

type Frame = { type: string; [k: string]: unknown };

/** Frames from `ws`, awaited one predicate at a time. */
function frames(ws: WebSocket) {
  const seen: Frame[] = [];
  const waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as Frame;
    seen.push(f);
    for (const w of [...waiters]) if (w.match(f)) waiters.splice(waiters.indexOf(w), 1), w.resolve(f);
  });
  return {
    seen,
    next(match: (f: Frame) => boolean): Promise<Frame> {
      const earlier = seen.find(match);
      if (earlier) return Promise.resolve(earlier);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        ws.once('close', (code, reason) => reject(new Error(`the channel socket closed (${code} ${String(reason)})`)));
      });
    },
  };
}

async function post(args: Args): Promise<void> {
  const file = args.flags.get('state') ?? DEFAULT_STATE;
  let text = args.rest.join(' ');
  if (text === '-') text = readFileSync(0, 'utf8');
  if (!text.trim()) throw new UsageError('post needs the message text (or "-" to read it from standard input)');
  const state = await readState(file);
  installGlobals(new URL(state.server));
  const client = await loadClient();
  const { engine, save } = await startDevice(client, file, state, 'chatalot-post');
  let ws: WebSocket | null = null;
  try {
    ws = await channelSocket(state.server, state.channelId, client.http.currentAccessToken()!);
    const inbox = frames(ws);
    ws.send(JSON.stringify({ type: 'hello', lastSeq: 0 }));
    let epoch = Number((await inbox.next((f) => f.type === 'ready' || f.type === 'error')).epoch ?? 0);
    // A member removed since this device last posted needs no frame here: the Engine re-reads
    // the members and their signed lists before sealing and rotates when a holder is gone.
    for (let attempt = 1; ; attempt++) {
      const { plaintext, franking } = client.franking.frankedPlaintext('message', { v: 1, text });
      const ciphertext = await engine.seal(state.channelId, plaintext, epoch);
      const clientMsgId = randomBytes(12).toString('base64url');
      ws.send(JSON.stringify({ type: 'send', clientMsgId, ciphertext, epoch, ...(franking ? { franking } : {}) }));
      const answer = await inbox.next((f) => (f.type === 'ack' && f.clientMsgId === clientMsgId) || (f.type === 'error' && (f.error as { ref?: string })?.ref === clientMsgId));
      if (answer.type === 'ack') {
        process.stdout.write(`posted: seq ${String(answer.seq)}\n`);
        return;
      }
      const error = answer.error as { code: string; message: string };
      // The recipients changed while sealing (a member joined or a device list changed): seal again for the new epoch.
      if (error.code === 'members_changed' && attempt < 5) {
        for (const f of inbox.seen) if ((f.type === 'epoch' || f.type === 'member-removed') && Number(f.epoch) > epoch) epoch = Number(f.epoch);
        continue;
      }
      throw new Error(`the server refused the post: ${error.code}: ${error.message}`);
    }
  } finally {
    ws?.close();
    // Stopped first, so nothing is acknowledged to the server after the state was taken.
    engine.stop();
    await save();
  }
}

async function fingerprint(args: Args): Promise<void> {
  const state = await readState(args.flags.get('state') ?? DEFAULT_STATE);
  installGlobals(new URL(state.server));
  const client = await loadClient();
  const db = await openDb(client, state);
  process.stdout.write(`${await ownFingerprint(client, db)}\n`);
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const commands: Record<string, (a: Args) => Promise<void>> = { enrol, enroll: enrol, post, fingerprint };
  const run = commands[args.command];
  if (!run) {
    process.stdout.write(`${USAGE}\n`);
    return args.command === 'help' || args.command === '--help' ? 0 : 2;
  }
  const timer = setTimeout(() => {
    process.stderr.write(`chatalot-post: gave up after ${POST_TIMEOUT_MS / 1000} s\n`);
    process.exit(1);
  }, POST_TIMEOUT_MS);
  timer.unref();
  try {
    await run(args);
    return 0;
  } catch (e) {
    process.stderr.write(`chatalot-post: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}

// Run as a file (`node dist/cli/chatalot-post.cjs …`), not when required by bin/chatalot-post.mjs.
if (typeof require !== 'undefined' && require.main === module) void main(process.argv.slice(2)).then((code) => process.exit(code));
