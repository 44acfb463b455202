/**
 * `npm run dev:cloudflare`: the Cloudflare build, run on this machine under `wrangler dev` — the
 * same worker and Durable Objects `npm run deploy` ships, with Miniflare's local D1, R2 and
 * Durable Object storage (issue #19 item 1). Its secrets (the JWT key pair and the TOTP key, which
 * on Cloudflare are `wrangler secret put`) are generated once into DIR/dev.vars; its state lives
 * in DIR/state. DIR is CF_DEV_DIR, default ./data/cloudflare. Extra arguments go to wrangler
 * (e.g. `-- --port 8790 --var REGISTRATION_MODE:open`). Nothing here reaches the network.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildAll, ROOT } from './build.mjs';

const dir = resolve(process.env.CF_DEV_DIR ?? join(ROOT, 'data', 'cloudflare'));
const vars = join(dir, 'dev.vars');
mkdirSync(join(dir, 'state'), { recursive: true, mode: 0o700 });
if (!existsSync(vars)) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  // dotenv syntax: a double-quoted value turns \n into a newline.
  const quoted = (pem) => `"${pem.trim().replace(/\n/g, '\\n')}\\n"`;
  writeFileSync(vars, [`JWT_PRIVATE_KEY=${quoted(privateKey)}`, `JWT_PUBLIC_KEY=${quoted(publicKey)}`, `TOTP_ENCRYPTION_KEY=${randomBytes(32).toString('base64')}`, ''].join('\n'), { mode: 0o600 });
  console.log(`dev:cloudflare: generated secrets in ${vars}`);
}
// The Web Push key (issue #17), added to a dev.vars made before it existed.
if (!readFileSync(vars, 'utf8').includes('VAPID_PRIVATE_KEY=')) {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  appendFileSync(vars, `VAPID_PRIVATE_KEY="${privateKey.trim().replace(/\n/g, '\\n')}\\n"\n`);
}

if (!process.argv.includes('--no-build')) await buildAll();
const args = process.argv.slice(2).filter((a) => a !== '--no-build');
const port = args.includes('--port') ? [] : ['--port', process.env.PORT ?? '8787'];
const child = spawn(
  process.execPath,
  [join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'dev', '--local', '--ip', '127.0.0.1', ...port, '--persist-to', join(dir, 'state'), '--env-file', vars, '--show-interactive-dev-session=false', ...args],
  { cwd: ROOT, stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
