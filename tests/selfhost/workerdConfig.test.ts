/**
 * SECURITY-TESTS S6: the production workerd config, as `npm start` and the Docker image run it
 * (selfhost/config.capnp, the hasher's, and the TLS config start.mjs writes around it), read as
 * text with its comments removed. What the server may connect to rests on it: the worker keeps
 * workerd's default global outbound (public addresses only, checked on the address a name
 * resolves to at connect time, which is also what defeats DNS rebinding, S2), the database is an
 * explicit external service, and the only other network is the test suite's, bound only under a
 * name the code uses when a test variable is set. The link-preview SSRF tests (S1–S5) run on
 * this same config (tests/hardening/linkPreview.test.ts). S2 below runs a workerd with the same
 * default outbound and asks it for a name the resolver answers with 127.0.0.1: the check is on the
 * address it connects to, after resolving, so a name that first resolved to a public address and
 * then to loopback (rebinding) is refused at the connection too. (A resolver that changes its
 * answer cannot be stubbed for workerd here without editing the system's; /etc/hosts' localhost
 * is the loopback answer.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerdPath } from '../../scripts/workerdPath.mjs';
import { freePort } from '../setup/postgres';

const ROOT = join(import.meta.dirname, '../..');
/** The file's text without `#` comments (outside double-quoted strings). */
const code = (file: string) =>
  readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .map((line) => line.replace(/^((?:[^"#]|"(?:[^"\\]|\\.)*")*)#.*$/, '$1'))
    .join('\n');
const config = code('selfhost/config.capnp');
const services = [...config.matchAll(/\(name = "([^"]+)", (worker|disk|external|network) = ([^\n]*)\),?\n/g)].map((m) => ({ name: m[1]!, kind: m[2]!, body: m[3]! }));

describe('S6: the production workerd config', () => {
  it('keeps workerd’s default global outbound (public addresses only) in every config that runs', () => {
    const tlsTemplate = readFileSync(join(ROOT, 'selfhost/start.mjs'), 'utf8');
    for (const [file, text] of [['selfhost/config.capnp', config], ['selfhost/hasher.capnp', code('selfhost/hasher.capnp')], ['selfhost/start.mjs (TLS config)', tlsTemplate]] as const) {
      expect(text, file).not.toMatch(/globalOutbound/);
      expect(text, file).not.toMatch(/allow = \[[^\]]*"(private|local|network|unix)"/);
    }
    // The TLS config serves exactly the base config's services.
    expect(tlsTemplate).toContain('services = Base.services,');
  });

  it('reaches the database and the password hasher only through explicit external services, and nothing else outside', () => {
    const externals = services.filter((s) => s.kind === 'external');
    expect(externals.map((s) => s.name).sort()).toEqual(['hasher', 'pg']);
    expect(externals.find((s) => s.name === 'pg')!.body).toMatch(/tcp = \(\)/);
    expect(externals.find((s) => s.name === 'hasher')!.body).toMatch(/address = "127\.0\.0\.1:\d+", http = \(\)/);
    expect(config).toMatch(/\(name = "PG", service = "pg"\)/);
    expect(config).toMatch(/\(name = "HASHER", service = "hasher"\)/);
  });

  it('has one other network, the tests’ loopback 127.0.0.2, bound only as PREVIEW_TEST_NET, used only when a test variable names it', () => {
    const networks = services.filter((s) => s.kind === 'network');
    expect(networks).toEqual([{ name: 'preview-test-net', kind: 'network', body: '(allow = ["public", "127.0.0.2/32"])' }]);
    expect([...config.matchAll(/service = "preview-test-net"/g)]).toHaveLength(1);
    expect(config).toMatch(/\(name = "PREVIEW_TEST_NET", service = "preview-test-net"\)/);
    // Those variables come from the environment, unset in production (README's configuration table does not list them).
    for (const name of ['CHATALOT_TEST_PREVIEW_HOST', 'CHATALOT_TEST_GIF_API', 'CHATALOT_TEST_PUSH_SERVICE']) {
      expect(config).toContain(`(name = "${name}", fromEnvironment = "${name}")`);
      expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).not.toContain(name);
    }
    // Only three files of the worker send through it, each gated on its own variable (their
    // tests cover the gate: with the variable unset, the preview, GIF and push tests' fake
    // services on 127.0.0.2 would be refused like any other loopback address).
    const users = readdirSync(join(ROOT, 'worker'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .filter((f) => /PREVIEW_TEST_NET!?\.fetch/.test(readFileSync(join(ROOT, 'worker', f), 'utf8')))
      .sort();
    expect(users).toEqual(['push/config.ts', 'routes/gifs.ts', 'routes/linkPreview.ts']);
    for (const [file, gate] of [['push/config.ts', 'CHATALOT_TEST_PUSH_SERVICE'], ['routes/gifs.ts', 'CHATALOT_TEST_GIF_API'], ['routes/linkPreview.ts', 'CHATALOT_TEST_PREVIEW_HOST']]) {
      expect(readFileSync(join(ROOT, 'worker', file!), 'utf8'), file).toContain(`env.${gate}`);
    }
  });
});

describe('S2: what workerd’s default outbound does with a name that resolves to loopback', () => {
  it('refuses at connect time, after resolving: a canary on 127.0.0.1 reached by name counts no connection (and does through a network that allows it)', async () => {
    let hits = 0;
    const canary = createServer((_req, res) => (hits++, res.end('canary')));
    await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
    const canaryPort = (canary.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'chatalot-outbound-'));
    const port = await freePort();
    // A worker like ours: the global outbound left at workerd's default; NET allows loopback, for the control.
    const worker = "export default { async fetch(request, env) { const u = new URL(request.url); const target = u.searchParams.get('u'); try { const r = await (u.searchParams.has('net') ? env.NET.fetch(target) : fetch(target)); return new Response('reached ' + r.status); } catch (e) { return new Response('refused: ' + e.message); } } };";
    writeFileSync(
      join(dir, 'outbound.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "w", worker = (modules = [(name = "w.js", esModule = ${JSON.stringify(worker)})], compatibilityDate = "2026-04-01", bindings = [(name = "NET", service = "net")])),
    (name = "net", network = (allow = ["public", "127.0.0.1/32"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "w")],
);
`,
    );
    const child = spawn(workerdPath as string, ['serve', join(dir, 'outbound.capnp')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const ask = async (target: string, net = false) => (await fetch(`http://127.0.0.1:${port}/?u=${encodeURIComponent(target)}${net ? '&net' : ''}`)).text();
    try {
      for (let i = 0; ; i++) {
        try {
          await fetch(`http://127.0.0.1:${port}/?u=x`);
          break;
        } catch {
          if (i > 200 || child.exitCode !== null) throw new Error(`workerd did not start: ${stderr}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      // "localhost" is a name; the resolver answers 127.0.0.1, and the connection is refused then.
      for (const target of [`http://localhost:${canaryPort}/`, `http://127.0.0.1:${canaryPort}/`]) expect(await ask(target), target).toMatch(/^refused/);
      expect(hits).toBe(0);
      // The same request through a network that allows loopback reaches it: the refusal above is the outbound's.
      expect(await ask(`http://127.0.0.1:${canaryPort}/`, true)).toBe('reached 200');
      expect(hits).toBe(1);
    } finally {
      child.kill('SIGKILL');
      canary.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
