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
 *   top-level `name` it predates).
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

  it('19.9: docker-compose validates the compose file (TURN_SECRET set, as the turn profile requires it)', () => {
    // Debian's docker-compose is version 1, which predates the Compose Specification's top-level
    // `name` (it keeps the volumes named chatalot-data); everything else of the file is validated.
    const file = join(ROOT, '.tmp', `compose-${process.pid}.yml`);
    mkdirSync(dirname(file), { recursive: true });
    const text = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(text).toMatch(/^name: chatalot$/m);
    writeFileSync(file, text.replace(/^name: chatalot\n/m, ''));
    try {
      const config = execFileSync('docker-compose', ['--project-directory', ROOT, '--project-name', 'chatalot', '--file', file, 'config'], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, POSTGRES_PASSWORD: 'x', TURN_SECRET: 'x' } }).toString();
      for (const service of ['chatalot', 'postgres', 'tunnel', 'turn']) expect(config).toMatch(new RegExp(`^  ${service}:$`, 'm'));
      expect(config).toMatch(/chatalot-data:/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
