/**
 * The Cloudflare and Docker paths, as far as this machine can run them: wrangler bundles the
 * worker for Cloudflare (`wrangler deploy --dry-run`), the compose file parses and wires what
 * the issue asks for, and the Docker image runs the very launcher and config `npm start` runs.
 * No Docker engine runs here, so the image itself is not built in tests.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../../scripts/build.mjs';

const run = promisify(execFile);

describe('Cloudflare deploy', () => {
  it('wrangler deploy --dry-run bundles the worker with its Durable Objects, D1, R2 and assets', async () => {
    const outdir = join(ROOT, '.tmp', `wrangler-${process.pid}`);
    rmSync(outdir, { recursive: true, force: true });
    const { stdout } = await run('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      timeout: 120_000,
    });
    expect(stdout).toMatch(/env\.CHANNEL_ROOM \(ChannelRoomObject\)\s+Durable Object/);
    expect(stdout).toMatch(/env\.STORE \(StoreObject\)\s+Durable Object/);
    expect(stdout).toMatch(/env\.DB \(chatalot\)\s+D1 Database/);
    expect(stdout).toMatch(/env\.BLOBS \(chatalot-blobs\)\s+R2 Bucket/);
    expect(stdout).toMatch(/env\.ASSETS\s+Assets/);
    const bundle = readFileSync(join(outdir, 'index.js'), 'utf8');
    expect(bundle).toMatch(/ChannelRoomObject = class extends DurableObject/);
    expect(bundle).toMatch(/StoreObject = class extends DurableObject/);
    expect(bundle).toMatch(/export\s*\{[^}]*ChannelRoomObject[^}]*\}/);
    rmSync(outdir, { recursive: true, force: true });
  }, 120_000);
});

describe('Docker', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
  const dockerfile = readFileSync(join(ROOT, 'selfhost/Dockerfile'), 'utf8');

  it('compose: chatalot beside an internal-only postgres:17 with DATABASE_URL wired and a data volume', () => {
    const { chatalot, postgres } = compose.services;
    expect(chatalot.build.dockerfile).toBe('selfhost/Dockerfile');
    expect(chatalot.environment.DATABASE_URL).toMatch(/^postgres:\/\/chatalot:.*@postgres:5432\/chatalot$/);
    expect(chatalot.environment.LISTEN_ADDR).toBe('0.0.0.0:8080');
    expect(chatalot.volumes).toContain('chatalot-data:/data');
    expect(postgres.image).toBe('postgres:17');
    expect(postgres.ports).toBeUndefined();
    expect(postgres.networks).toEqual(['internal']);
    expect(compose.networks.internal.internal).toBe(true);
  });

  it('compose: tunnel and turn are opt-in profiles; the tunnel uses a token when one is set', () => {
    expect(compose.services.tunnel.profiles).toEqual(['tunnel']);
    expect(compose.services.tunnel.command.join(' ')).toMatch(/CLOUDFLARE_TUNNEL_TOKEN.*--token.*--url http:\/\/chatalot:8080/);
    expect(compose.services.turn.profiles).toEqual(['turn']);
    expect(compose.services.turn.image).toMatch(/^coturn\//);
  });

  it('Dockerfile: multi-stage, non-root, health-checked, and runs the same launcher and config as npm start', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/api\/health/);
    expect(dockerfile).toMatch(/LISTEN_ADDR=0\.0\.0\.0:8080/);
    expect(dockerfile).toMatch(/CMD \["node", "selfhost\/start\.mjs"\]/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.start).toBe('node selfhost/start.mjs');
    // Everything the launcher imports at run time is copied into the image; the build script is
    // not among them (tests/selfhost/productionInstall.test.ts runs that install for real).
    for (const file of ['selfhost/start.mjs', 'selfhost/config.mjs', 'selfhost/config.capnp', 'scripts/workerdPath.mjs']) {
      expect(existsSync(join(ROOT, file))).toBe(true);
    }
    expect(dockerfile).toMatch(/COPY selfhost \.\/selfhost/);
    expect(dockerfile).toMatch(/COPY scripts\/workerdPath\.mjs \.\/scripts\//);
    // The runtime installs production dependencies only, and workerd is one of them.
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(pkg.dependencies.workerd).toBeDefined();
    expect(pkg.devDependencies.workerd).toBeUndefined();
  });
});
