/**
 * Issue #19 item 9: the Docker image, actually built and run. Public image registries are not
 * reachable here, so the base is made on this machine: `debootstrap --variant=minbase bookworm`
 * from the machine's Debian mirror, plus this machine's own Node 20 and npm and its extra CA
 * certificate (NODE_EXTRA_CA_CERTS, so npm inside the build reaches its registry), imported with
 * `docker import`. selfhost/Dockerfile takes it as its BASE build argument (everyone else gets
 * node:20-bookworm-slim) and is built with `--network host`. Then, as an operator would:
 * - the container starts as a non-root user and Docker's own health check reports healthy;
 * - a user registers and one message goes through a channel socket and is acknowledged;
 * - `docker restart`: the account signs in again and the message is still there, same seq;
 * - the compose file passes docker-compose's own validation (Debian's version 1, without the
 *   top-level `name` it predates);
 * - the compose file runs: Chatalot and PostgreSQL (a stand-in image made from the same base,
 *   tests/docker/postgres), healthy by Docker's check, an account and a message stored in
 *   PostgreSQL, both still there after `docker-compose restart`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/build.mjs';
import { call, createCommunity, openChannel, registerUser, TEST_PASSWORD } from '../helpers/accounts';
import { historyPage } from '../helpers/channelHistory';
import { FRANKING } from '../helpers/franking';
import type { RunningServer } from '../helpers/server';

const BASE = 'chatalot-base:bookworm-node20';
const IMAGE = 'chatalot:ci';
const CONTAINER = `chatalot-ci-${process.pid}`;
const VOLUME = `chatalot-ci-data-${process.pid}`;

/** PostgreSQL for the compose run, built from BASE (tests/docker/postgres). */
const PG_IMAGE = 'chatalot-ci-postgres:15';
const COMPOSE_FILE = join(ROOT, '.tmp', `compose-run-${process.pid}.yml`);
const PROJECT = `chatalotci${process.pid}`;
const compose = (args: string[], timeout = 120_000) =>
  execFileSync('docker-compose', ['--project-directory', ROOT, '--project-name', PROJECT, '--file', COMPOSE_FILE, ...args], { cwd: ROOT, stdio: 'pipe', timeout, maxBuffer: 64 * 1024 * 1024, env: process.env }).toString().trim();
const docker = (args: string[], timeout = 120_000) => execFileSync('docker', args, { cwd: ROOT, stdio: 'pipe', timeout, maxBuffer: 64 * 1024 * 1024 }).toString().trim();
const answers = () => {
  try {
    docker(['info'], 20_000);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(what: string, f: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A Docker engine: the one that answers, or dockerd started here. */
async function engine(): Promise<void> {
  if (answers()) return;
  const daemon = spawn('dockerd', [], { detached: true, stdio: 'ignore' });
  daemon.unref();
  await until('dockerd', answers, (v) => v, 60_000);
}

/** The machine's Debian mirror, as apt is configured. */
function mirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(file)) continue;
    const m = /^URIs:\s*(\S+)/m.exec(readFileSync(file, 'utf8')) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\b/m.exec(readFileSync(file, 'utf8'));
    if (m) return m[1]!;
  }
  return 'http://deb.debian.org/debian';
}

/** The base image: Debian bookworm minbase with this machine's Node, npm and extra CA, and a `node` user as node's official image has. */
function base(): void {
  try {
    docker(['image', 'inspect', BASE]);
    return;
  } catch {
    // made below
  }
  const root = mkdtempSync(join(tmpdir(), 'chatalot-rootfs-'));
  try {
    execFileSync('debootstrap', ['--variant=minbase', 'bookworm', root, mirror()], { stdio: 'pipe', timeout: 900_000 });
    copyFileSync(process.execPath, join(root, 'usr/local/bin/node'));
    const npm = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
    cpSync(npm, join(root, 'usr/local/lib/node_modules/npm'), { recursive: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(root, 'usr/local/bin/npm'));
    symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(root, 'usr/local/bin/npx'));
    const changes = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["node"]'];
    const ca = process.env.NODE_EXTRA_CA_CERTS;
    if (ca && existsSync(ca)) {
      copyFileSync(ca, join(root, 'usr/local/share/extra-ca.crt'));
      changes.push('ENV NODE_EXTRA_CA_CERTS=/usr/local/share/extra-ca.crt');
    }
    execFileSync('chroot', [root, 'useradd', '--create-home', '--uid', '1000', '--user-group', '--shell', '/bin/bash', 'node'], { stdio: 'pipe' });
    execFileSync('sh', ['-c', `tar -C "${root}" -c . | docker import ${changes.map((c) => `--change '${c}'`).join(' ')} - ${BASE}`], { stdio: 'pipe', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

let server: RunningServer;
const health = () => docker(['inspect', '--format', '{{.State.Health.Status}}', CONTAINER]);
const up = () => fetch(`${server.url}/api/health`).then((r) => r.ok, () => false);

beforeAll(async () => {
  await engine();
  base();
  const built = Date.now();
  docker(['build', '--network', 'host', '--build-arg', `BASE=${BASE}`, '-f', 'selfhost/Dockerfile', '-t', IMAGE, '.'], 1_200_000);
  console.log(`docker build: ${((Date.now() - built) / 1000).toFixed(0)} s`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  server = { url, wsUrl: url.replace(/^http/, 'ws'), dataDir: '', output: () => docker(['logs', CONTAINER]) } as unknown as RunningServer;
  docker(['run', '--detach', '--name', CONTAINER, '--publish', `127.0.0.1:${port}:8080`, '--volume', `${VOLUME}:/data`, '--env', 'REGISTRATION_MODE=open', IMAGE]);
}, 1_800_000);

afterAll(() => {
  try {
    docker(['rm', '--force', CONTAINER]);
    docker(['volume', 'rm', VOLUME]);
  } catch {
    // nothing was made
  }
  if (existsSync(COMPOSE_FILE)) {
    try {
      compose(['down', '--volumes'], 300_000);
    } catch {
      // nothing was started
    }
    rmSync(COMPOSE_FILE, { force: true });
  }
});

describe('the Docker image', () => {
  it('19.9: starts as a non-root user, reports healthy, relays a message, and keeps it across a restart', async () => {
    // Docker's own HEALTHCHECK (the Dockerfile's), which first runs 30 s after the start.
    await until('health', health, (s) => s === 'healthy' || s === 'unhealthy', 120_000);
    expect(health(), docker(['logs', CONTAINER])).toBe('healthy');
    expect(docker(['exec', CONTAINER, 'id', '-u'])).toBe('1000');

    const alice = await registerUser(server, 'docker_alice');
    const { channelId } = await createCommunity(server, alice, 'Shipped');
    const socket = await openChannel(server, alice, channelId);
    const ciphertext = Buffer.from('sealed in a container').toString('base64');
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'through-the-container', ciphertext });
    const ack = await socket.next<{ seq: number }>((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'through-the-container', 30_000);
    socket.ws.close();

    docker(['restart', CONTAINER], 120_000);
    await until('the restarted server', up, (v) => v, 120_000);
    const login = await call(server, null, 'POST', '/api/auth/login', { username: 'docker_alice', password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const again = await openChannel(server, { ...alice, accessToken: (login.body as { accessToken: string }).accessToken }, channelId);
    const page = await historyPage(again, 0, 10);
    expect(page.envelopes.map((e) => [e.seq, e.ciphertext])).toEqual([[ack.seq, ciphertext]]);
    again.ws.close();
    await until('health after the restart', health, (s) => s === 'healthy' || s === 'unhealthy', 120_000);
    expect(health()).toBe('healthy');
  });

  it('19.9: docker-compose runs the stack with PostgreSQL: healthy, accounts and messages kept in PostgreSQL, still there after a restart', async () => {
    // The compose file as shipped, except what this machine cannot have: the image built above
    // instead of a build, and a PostgreSQL image made from the same Debian base (tests/docker/postgres)
    // instead of postgres:17 from a registry. Debian's docker-compose (v1) predates `name`.
    docker(['build', '--network', 'host', '--build-arg', `BASE=${BASE}`, '-t', PG_IMAGE, 'tests/docker/postgres'], 900_000);
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const shipped = /    build:\n      context: \.\n      dockerfile: selfhost\/Dockerfile\n    image: chatalot:latest\n/;
    expect(text).toMatch(shipped);
    expect(text).toMatch(/^    image: postgres:17$/m);
    mkdirSync(dirname(COMPOSE_FILE), { recursive: true });
    writeFileSync(COMPOSE_FILE, text.replace(/^name: chatalot\n/m, '').replace(shipped, `    image: ${IMAGE}\n`).replace(/^    image: postgres:17$/m, `    image: ${PG_IMAGE}`));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const stack = { url, wsUrl: url.replace(/^http/, 'ws'), dataDir: '', output: () => compose(['logs', '--no-color']) } as unknown as RunningServer;
    process.env.CHATALOT_PORT = String(port);
    process.env.REGISTRATION_MODE = 'open';
    process.env.POSTGRES_PASSWORD = `pw-${process.pid}-${Date.now()}`;
    compose(['up', '-d'], 900_000);
    const chatalot = compose(['ps', '-q', 'chatalot']);
    const stackHealth = () => docker(['inspect', '--format', '{{.State.Health.Status}}', chatalot]);
    await until('the stack', stackHealth, (s) => s === 'healthy' || s === 'unhealthy', 180_000);
    expect(stackHealth(), compose(['logs', '--no-color'])).toBe('healthy');
    // Healthy is Docker's check inside the container; an operator reaches it through the published
    // port, which must answer too (a CI run once saw the first request there closed unanswered).
    const reachable = () => fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    await until('the published port', reachable, (v) => v, 120_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${docker(['port', chatalot])}\n${compose(['logs', '--no-color', '--tail', '80'])}`);
    });

    const bob = await registerUser(stack, 'compose_bob');
    const { channelId } = await createCommunity(stack, bob, 'Composed');
    const socket = await openChannel(stack, bob, channelId);
    const ciphertext = Buffer.from('sealed beside PostgreSQL').toString('base64');
    socket.send({ type: 'send', franking: FRANKING, clientMsgId: 'through-the-stack', ciphertext });
    const ack = await socket.next<{ seq: number }>((f) => f.type === 'ack' && (f as { clientMsgId: string }).clientMsgId === 'through-the-stack', 30_000);
    socket.ws.close();
    // The account is in PostgreSQL (DATABASE_URL of the compose file), not in the embedded store.
    const psql = (sql: string) => compose(['exec', '-T', 'postgres', 'psql', '-U', 'chatalot', '-d', 'chatalot', '-tAc', sql]);
    expect(psql("SELECT count(*) FROM users WHERE username = 'compose_bob'")).toBe('1');

    compose(['restart'], 300_000);
    await until('the restarted stack', () => fetch(`${url}/api/health`).then((r) => r.ok, () => false), (v) => v, 180_000);
    const login = await call(stack, null, 'POST', '/api/auth/login', { username: 'compose_bob', password: TEST_PASSWORD });
    expect(login.status).toBe(200);
    const again = await openChannel(stack, { ...bob, accessToken: (login.body as { accessToken: string }).accessToken }, channelId);
    const page = await historyPage(again, 0, 10);
    expect(page.envelopes.map((e) => [e.seq, e.ciphertext])).toEqual([[ack.seq, ciphertext]]);
    again.ws.close();
  }, 1_800_000);

  it('19.9: docker-compose validates the compose file, with no secrets set (the turn profile checks TURN_SECRET when coturn starts)', () => {
    // Debian's docker-compose is version 1, which predates the Compose Specification's top-level
    // `name` (it keeps the volumes named chatalot-data); everything else of the file is validated.
    const file = join(ROOT, '.tmp', `compose-${process.pid}.yml`);
    mkdirSync(dirname(file), { recursive: true });
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(text).toMatch(/^name: chatalot$/m);
    writeFileSync(file, text.replace(/^name: chatalot\n/m, ''));
    try {
      const config = execFileSync('docker-compose', ['--project-directory', ROOT, '--project-name', 'chatalot', '--file', file, 'config'], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, POSTGRES_PASSWORD: '', TURN_SECRET: '' } }).toString();
      for (const service of ['chatalot', 'postgres', 'tunnel', 'turn']) expect(config).toMatch(new RegExp(`^  ${service}:$`, 'm'));
      expect(config).toMatch(/chatalot-data:/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
