/**
 * The simulation's world (issue #20): the real server (workerd, `npm start`), and simulated
 * devices that each run their own copy of the web client's modules — the Engine
 * (client/src/e2ee), the crypto library (client/src/crypto), the API layer with its own tokens,
 * an IndexedDB (fake-indexeddb, one database per device) and the hub socket (ws) — in this one
 * Node process. Nothing of the client is re-implemented here: a device seals and opens with the
 * same code a browser runs.
 *
 * How one process holds many clients: the client keeps its session (access token, refresh
 * token) in module state, as a browser tab does. Each device imports the client after
 * `vi.resetModules()`, so it gets a fresh copy of those modules and its own session; the
 * third-party packages (solid-js, @noble/*) are shared, as they hold no session. The browser
 * globals the client uses (fetch with relative paths, location, WebSocket, indexedDB,
 * navigator.onLine, online/offline events) point at the one server.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, vi } from 'vitest';
import WebSocket from 'ws';
import type { EnvelopeOut, ServerFrame } from '../../protocol/frames';
import { startServer, type RunningServer } from '../helpers/server';
import { TestSocket } from '../helpers/socket';
import { ACCESS_TOKEN_SECONDS, CLOCK_SKEW_SECONDS, signAccessToken, tokenKeys, type AccessClaims } from '../../worker/auth/tokens';
import { FRANKING } from '../helpers/franking';

export const SIM_PASSWORD = 'correct horse battery staple';

let installed: { server: RunningServer } | null = null;

/**
 * `ws` with a browser's manners: an error (such as closing a socket that is still connecting,
 * which the client's reconnect does) is an event, not an exception when nobody listens.
 */
class BrowserLikeWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on('error', () => undefined);
  }
}

/** Points the browser globals the client uses at `server` (once per process; a restart moves them). */
function installGlobals(server: RunningServer): void {
  const g = globalThis as Record<string, unknown>;
  if (!installed) {
    const realFetch = globalThis.fetch;
    g.fetch = (input: string | URL | Request, init?: RequestInit) =>
      realFetch(typeof input === 'string' && input.startsWith('/') ? `${installed!.server.url}${input}` : input, init);
    g.indexedDB = new IDBFactory();
    g.WebSocket = BrowserLikeWebSocket;
    g.addEventListener ??= () => undefined;
    g.removeEventListener ??= () => undefined;
    if (typeof g.navigator === 'undefined') g.navigator = { onLine: true };
  }
  installed = { server };
  Object.defineProperty(globalThis, 'location', { value: new URL(server.url), configurable: true, writable: true });
}

/** Gives the devices started from now on a new, empty IndexedDB. */
export function resetIndexedDb(): void {
  (globalThis as Record<string, unknown>).indexedDB = new IDBFactory();
}

/** One device's copy of the client modules. */
export async function loadClient() {
  vi.resetModules();
  const [http, auth, keys, communities, engine, body, idb, keyStore, deviceDb, files] = await Promise.all([
    import('../../client/src/api/http'),
    import('../../client/src/api/auth'),
    import('../../client/src/api/keys'),
    import('../../client/src/api/communities'),
    import('../../client/src/e2ee/Engine'),
    import('../../client/src/e2ee/MessageBody'),
    import('../../client/src/stores/idb'),
    import('../../client/src/stores/IndexedDbKeyStore'),
    import('../../client/src/stores/DeviceDb'),
    import('../../client/src/files/transfer'),
  ]);
  return { http, auth, keys, communities, engine, body, idb, keyStore, deviceDb, files };
}
type Client = Awaited<ReturnType<typeof loadClient>>;
type Engine = Awaited<ReturnType<Client['engine']['Engine']['start']>>;

/** Where a device stands on its account's signed list, as the simulation made it. */
export type DeviceState = 'pending' | 'approved' | 'removed';

export class SimDevice {
  state: DeviceState;
  /** What this device opened, by `channel#seq`: the text, or the failure code. */
  readonly opened = new Map<string, { ok: true; text: string } | { ok: false; code: string }>();
  /** Per channel, the highest seq handed to this device. */
  readonly cursor = new Map<string, number>();

  /** The refresh token this device keeps (its persistence, as the app's is IndexedDB). */
  private refreshToken: () => string | null = () => null;

  private constructor(
    readonly name: string,
    readonly user: SimUser,
    readonly client: Client,
    readonly engine: Engine,
  ) {
    this.state = user.devices.length === 0 ? 'approved' : 'pending';
  }

  /** Starts a device of `user`: registers the account (first device) or signs in, then starts the Engine as the app does after sign-in. */
  static async start(user: SimUser, name: string): Promise<SimDevice> {
    const client = await loadClient();
    let persisted: string | null = null;
    client.http.configureAuth({
      persistence: { load: async () => persisted, save: async (t) => void (persisted = t) },
      sessionEnded: () => undefined,
      refreshed: () => undefined,
    });
    const r =
      user.devices.length === 0
        ? await client.auth.register({ acceptTerms: 1, username: user.name, password: SIM_PASSWORD, recoveryVerifier: randomBytes(32).toString('base64url') })
        : await client.auth.login({ username: user.name, password: SIM_PASSWORD, deviceName: name });
    await client.http.setTokens(r);
    user.id = r.user.id;
    const db = await client.idb.Db.open(`sim-${name}`, client.deviceDb.DB_VERSION, [...client.keyStore.KEY_STORES, ...client.deviceDb.APP_STORES]);
    const engine = await client.engine.Engine.start(db, r.user, name);
    const device = new SimDevice(name, user, client, engine);
    device.refreshToken = () => persisted;
    user.devices.push(device);
    // The first device keeps the account's key backup, as after saving the recovery code.
    if (device.state === 'approved') await engine.backup.enable(user.backupKey);
    return device;
  }

  /** Opens a channel socket as this device; an expired access token is refreshed first, as the app's socket does. */
  async channelSocket(server: RunningServer, channelId: string): Promise<TestSocket> {
    const open = () => TestSocket.open(`${server.wsUrl}/ws/channels/${channelId}`, {}, ['chatalot.v2', 'chatalot.v1', `bearer.${this.token}`]);
    try {
      return await open();
    } catch (e) {
      if (!/401/.test((e as Error).message)) throw e;
      await this.client.http.refreshSession();
      return open();
    }
  }

  /**
   * Replaces this device's access token with one the server signed for the same session but
   * which expired a minute ago, while the device still believes it fresh (a laptop that slept,
   * a clock that drifted): its next request and its next socket are refused with 401 and must
   * refresh and carry on. Signed with the instance's own key (DATA_DIR/keys), so it is exactly
   * what an expired token of this server is.
   */
  async expireAccessToken(world: World): Promise<void> {
    const claims = JSON.parse(Buffer.from(this.token.split('.')[1]!, 'base64url').toString()) as AccessClaims;
    const expiredAt = world.now() - (CLOCK_SKEW_SECONDS + 60) * 1000;
    const expired = await signAccessToken(await world.tokenKeys(), claims, expiredAt - ACCESS_TOKEN_SECONDS * 1000);
    await this.client.http.setTokens({ accessToken: expired, refreshToken: this.refreshToken()!, expiresIn: ACCESS_TOKEN_SECONDS });
  }

  get deviceId(): string {
    return this.engine.deviceId;
  }

  get token(): string {
    return this.client.http.currentAccessToken()!;
  }

  /** Seals `text` for the channel with the Engine and relays it over a channel socket of this device's own; the seq the room gave it. */
  async send(server: RunningServer, channelId: string, text: string, lastSeq: number): Promise<number> {
    const socket = await this.channelSocket(server, channelId);
    try {
      socket.send({ type: 'hello', lastSeq });
      // As ChannelSession does: seal for the recipients epoch the room announced last, and seal
      // again when the room refuses it as stale (members_changed, issue #20).
      let epoch = (await socket.next<Extract<ServerFrame, { type: 'ready' }>>((f) => f.type === 'ready', 20_000)).epoch;
      for (let attempt = 1; ; attempt++) {
        const ciphertext = await this.engine.seal(channelId, this.client.body.encodeBody({ v: 1, text }), epoch);
        const clientMsgId = randomBytes(12).toString('base64url');
        socket.send({ type: 'send', franking: FRANKING, clientMsgId, ciphertext, epoch });
        const answer = await socket.next((f) => (f.type === 'ack' && f.clientMsgId === clientMsgId) || (f.type === 'error' && f.error.ref === clientMsgId), 20_000);
        if (answer.type === 'ack') return answer.seq;
        if (answer.type === 'error' && answer.error.code === 'members_changed' && attempt < 5) {
          for (const f of socket.frames) if ((f.type === 'epoch' || f.type === 'member-removed') && f.epoch > epoch) epoch = f.epoch;
          continue;
        }
        throw new Error(`send refused: ${JSON.stringify(answer)}`);
      }
    } finally {
      socket.ws.close();
    }
  }

  /** Opens envelopes in order with the Engine and records what each gave. */
  async open(channelId: string, envelopes: EnvelopeOut[]): Promise<void> {
    if (envelopes.length === 0) return;
    const results = await this.engine.openMany(channelId, envelopes);
    for (const [i, env] of envelopes.entries()) {
      const r = results[i]!;
      const key = `${channelId}#${env.seq}`;
      if (r.ok) {
        const body = this.client.body.decodeBody(r.plaintext);
        this.opened.set(key, { ok: true, text: body?.text ?? '(not a message body)' });
      } else this.opened.set(key, { ok: false, code: r.code });
    }
  }

  /**
   * Cuts the hub's TCP connection without a close frame, as a network drop does: whatever was
   * being written (a key distribution's `deliver-many`, an ack) may be half sent.
   */
  dropHubConnection(): boolean {
    const ws = (this.engine.hub as unknown as { ws: (WebSocket & { _socket?: { destroy(): void } }) | null }).ws;
    if (!ws?._socket) return false;
    ws._socket.destroy();
    return true;
  }

  stop(): void {
    this.engine.stop();
  }
}

export class SimUser {
  id = '';
  readonly devices: SimDevice[] = [];
  /** Member of the simulation's community. */
  member = false;
  /** The key of the account's key backup (what the recovery code derives). */
  backupKey = new Uint8Array(randomBytes(32));
  /** Banned from the simulation's community (cannot rejoin until unbanned). */
  banned = false;
  constructor(readonly name: string) {}

  /** The first device: it holds the account key (it created it), so it approves the others. */
  get primary(): SimDevice {
    return this.devices[0]!;
  }

  get live(): SimDevice[] {
    return this.devices.filter((d) => d.state !== 'removed');
  }
}

/**
 * Two people with one device each in a new community (Alice made it, Bob joined by its invite):
 * the setup the Node tests beside the simulation share. `tag` prefixes their names, unique per call.
 */
export async function twoInACommunity(prefix: string, name: string) {
  const tag = `${prefix}${randomBytes(3).toString('hex')}`;
  const alice = new SimUser(`${tag}a`);
  const bob = new SimUser(`${tag}b`);
  const a0 = await SimDevice.start(alice, `${tag}a-d0`);
  const b0 = await SimDevice.start(bob, `${tag}b-d0`);
  const community = await a0.client.communities.createCommunity({ name });
  await b0.client.communities.joinByInvite((await a0.client.communities.createInvite(community.community.id, {})).code);
  return { tag, alice, bob, a0, b0, communityId: community.community.id, channelId: community.channels[0]!.id };
}

/** A channel's envelopes in seq order, as a member's socket receives them (the owner's, who never leaves). */
export class Transcript {
  readonly envelopes: EnvelopeOut[] = [];
  private constructor(
    readonly channelId: string,
    private socket: TestSocket,
  ) {}

  static async open(server: RunningServer, owner: SimDevice, channelId: string): Promise<Transcript> {
    return new Transcript(channelId, await Transcript.socket(server, owner, channelId));
  }

  private static async socket(server: RunningServer, owner: SimDevice, channelId: string): Promise<TestSocket> {
    const socket = await owner.channelSocket(server, channelId);
    socket.send({ type: 'hello', lastSeq: 0 });
    await socket.next((f) => f.type === 'ready', 20_000);
    return socket;
  }

  /** After a server restart: a new socket, which replays the channel from the start. */
  async reopen(server: RunningServer, owner: SimDevice): Promise<void> {
    this.socket.ws.close();
    this.socket = await Transcript.socket(server, owner, this.channelId);
  }

  /** Every envelope up to `seq`, once the socket has received it. */
  async upTo(seq: number): Promise<EnvelopeOut[]> {
    await this.socket.next((f) => f.type === 'envelope' && f.seq >= seq, 20_000);
    const seen = new Map<number, EnvelopeOut>();
    for (const f of this.socket.frames) if (f.type === 'envelope') seen.set(f.seq, f);
    this.envelopes.length = 0;
    this.envelopes.push(...[...seen.values()].sort((a, b) => a.seq - b.seq));
    return this.envelopes;
  }

  close(): void {
    this.socket.ws.close();
  }
}

/** The server of a run, which a step may restart. */
export class World {
  /** How far the server's clock is ahead of the real one: each restart moves it past every access token's expiry. */
  private clockOffsetMs = 0;
  private constructor(
    public server: RunningServer,
    /** Server environment kept across restarts (e.g. sharded fan-out). */
    private readonly env: Record<string, string>,
  ) {}

  /** Starts the server and points the client's globals at it. */
  static async start(env: Record<string, string> = {}): Promise<World> {
    const server = await startServer({ env: { REGISTRATION_MODE: 'open', ...env } });
    installGlobals(server);
    return new World(server, env);
  }

  /**
   * Stops the server (Ctrl-C) and starts it again on the same data, 16 minutes later by its clock:
   * rooms and hubs reload from storage, every socket drops, and every access token has expired,
   * so each client refreshes its session and reconnects as it would after a night offline.
   */
  async restart(): Promise<void> {
    const dataDir = this.server.dataDir;
    await this.server.stop();
    this.clockOffsetMs += 16 * 60 * 1000;
    this.server = await startServer({ dataDir, env: { REGISTRATION_MODE: 'open', ...this.env, CHATALOT_CLOCK_OFFSET_MS: String(this.clockOffsetMs) } });
    installGlobals(this.server);
  }

  async stop(): Promise<void> {
    await this.server.kill();
  }

  /** The time by the server's clock. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** The instance's token signing keys, as the server reads them from its data directory. */
  async tokenKeys(): ReturnType<typeof tokenKeys> {
    const dir = join(this.server.dataDir, 'keys');
    return tokenKeys(await readFile(join(dir, 'jwt-ed25519.pem'), 'utf8'), await readFile(join(dir, 'jwt-ed25519.pub.pem'), 'utf8'));
  }
}

/** Starts a World before a test file's tests and stops it after them; read `.world` inside tests. */
export function worldSuite(env: Record<string, string> = {}): { world: World } {
  const suite = {} as { world: World };
  beforeAll(async () => {
    suite.world = await World.start(env);
  }, 120_000);
  afterAll(async () => {
    await suite.world?.stop();
  });
  return suite;
}
