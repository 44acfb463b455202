/**
 * R5: PostgreSQL going away while the server runs. Requests that need the database get 503 with
 * a clear code, channel sockets keep relaying (their logs live in Durable Objects), nothing
 * acknowledged is lost, and service resumes on its own when the database returns. The outage is
 * a TCP proxy between workerd and PostgreSQL that the test cuts and restores.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, freePort } from '../setup/postgres';
import { startServer, type RunningServer } from '../helpers/server';
import { openChannel, TEST_PASSWORD, userWithChannel } from '../helpers/accounts';
import { FRANKING } from '../helpers/franking';

class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
  }
}

describe('R5: PostgreSQL outage while running', () => {
  let server: RunningServer | undefined;
  let proxy: CuttableProxy | undefined;
  afterAll(async () => {
    await server?.kill();
    await proxy?.down();
  });

  it('503 while it is away, sockets keep relaying, service resumes when it returns', async () => {
    const real = new URL(await createDatabase(inject('postgresUrl')));
    proxy = new CuttableProxy(await freePort(), { host: real.hostname, port: Number(real.port || 5432) });
    await proxy.up();
    const viaProxy = new URL(real);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    server = await startServer({ env: { DATABASE_URL: viaProxy.toString(), REGISTRATION_MODE: 'open' } });
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    const { user, channelId } = await userWithChannel(server, 'outage_user');

    const sender = await openChannel(server, user, channelId);
    sender.send({ type: 'send', franking: FRANKING, clientMsgId: 'before-outage', ciphertext: 'YmVmb3Jl' });
    expect(await sender.next((f) => f.type === 'ack')).toMatchObject({ seq: 1 });

    await proxy.down();
    const during = await fetch(`${server.url}/api/health`);
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ error: { code: 'storage_unavailable', message: expect.stringMatching(/PostgreSQL is unreachable/) } });
    // Authentication needs the database: it answers 503 with a clear code, quickly, and nothing
    // half-done is left behind (no session, no rotated refresh token).
    const started = Date.now();
    const login = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: user.username, password: TEST_PASSWORD }) });
    expect(login.status).toBe(503);
    expect(((await login.json()) as { error: { code: string } }).error.code).toBe('storage_unavailable');
    const refresh = await fetch(`${server.url}/api/auth/refresh`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: user.refreshToken }) });
    expect(refresh.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(15_000);
    // An open socket does not depend on the accounts database (new connections do: they authenticate).
    sender.send({ type: 'send', franking: FRANKING, clientMsgId: 'during-outage', ciphertext: 'ZHVyaW5n' });
    expect(await sender.next((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'during-outage')).toMatchObject({ seq: 2 });

    await proxy.up();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${server.url}/api/health`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toBe(200);
    // The refresh token that met the outage was not rotated: it still works once.
    const refreshed = await fetch(`${server.url}/api/auth/refresh`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: user.refreshToken }) });
    expect(refreshed.status).toBe(200);
    const reader = await openChannel(server, user, channelId);
    reader.send({ type: 'hello', lastSeq: 0 });
    expect(await reader.next((f) => f.type === 'ready')).toEqual({ type: 'ready', head: 2, epoch: expect.any(Number) });
    expect(reader.frames.filter((f) => f.type === 'envelope').map((f) => (f as { clientMsgId: string }).clientMsgId)).toEqual(['before-outage', 'during-outage']);
    sender.close();
    reader.close();
  });
});
