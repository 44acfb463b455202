#!/usr/bin/env node
/**
 * `npm start`: validates the configuration, prepares DATA_DIR and missing secrets, builds the
 * worker and client when sources changed, and runs the workerd binary from the npm package with
 * selfhost/config.capnp — the same command the Docker image runs. It waits until /api/health
 * answers (which applies migrations) and prints where the server is; any failure before that is
 * one line naming the cause, and the process exits non-zero. Ctrl-C stops workerd cleanly.
 *
 * `npm run dev` (--dev) additionally rebuilds on every change and lets workerd reload itself.
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, decodeKey, readConfig } from './config.mjs';
import { workerdPath } from '../scripts/workerdPath.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const dev = process.argv.includes('--dev');
/** A path as the operator would type it: relative below the working directory, else absolute. */
const shown = (p) => {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
};
const say = (line) => console.log(`chatalot: ${line}`);
const fail = (line) => {
  console.error(`chatalot: ${line}`);
  process.exit(1);
};

/** Creates `dir` and proves it is writable, or stops start naming the variable. */
function ensureWritable(dir, variable) {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
    accessSync(dir, constants.W_OK);
  } catch (e) {
    fail(`${variable} ${dir} is not writable (${e.code ?? e.message})`);
  }
}

/** Generates what is missing: the JWT key pair and the TOTP encryption key. Never overwrites. */
function ensureSecrets(config) {
  const created = [];
  if (!existsSync(config.jwtPrivateKeyPath) || !existsSync(config.jwtPublicKeyPath)) {
    if (existsSync(config.jwtPrivateKeyPath) !== existsSync(config.jwtPublicKeyPath)) {
      fail(`only one half of the JWT key pair exists (${config.jwtPrivateKeyPath}, ${config.jwtPublicKeyPath}); restore the other or remove both`);
    }
    const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    mkdirSync(dirname(config.jwtPrivateKeyPath), { recursive: true, mode: 0o700 });
    writeFileSync(config.jwtPrivateKeyPath, privateKey, { mode: 0o600 });
    mkdirSync(dirname(config.jwtPublicKeyPath), { recursive: true });
    writeFileSync(config.jwtPublicKeyPath, publicKey, { mode: 0o644 });
    created.push(`JWT signing key pair in ${shown(config.jwtPrivateKeyPath)} (+ .pub.pem)`);
  }
  if (!existsSync(config.vapidPrivateKeyPath)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    mkdirSync(dirname(config.vapidPrivateKeyPath), { recursive: true, mode: 0o700 });
    writeFileSync(config.vapidPrivateKeyPath, privateKey, { mode: 0o600 });
    created.push(`Web Push (VAPID) key in ${shown(config.vapidPrivateKeyPath)}`);
  }
  let vapidPrivate;
  try {
    vapidPrivate = readFileSync(config.vapidPrivateKeyPath, 'utf8');
  } catch (e) {
    fail(`cannot read the VAPID key (${e.code ?? e.message}); check VAPID_PRIVATE_KEY_PATH`);
  }
  if (!vapidPrivate.includes('PRIVATE KEY')) fail('VAPID_PRIVATE_KEY_PATH does not hold a PEM private key');
  let totpKey = config.totpKey;
  if (totpKey === undefined) {
    if (!existsSync(config.totpKeyPath)) {
      mkdirSync(dirname(config.totpKeyPath), { recursive: true, mode: 0o700 });
      writeFileSync(config.totpKeyPath, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
      created.push(`TOTP encryption key in ${shown(config.totpKeyPath)}`);
    }
    totpKey = readFileSync(config.totpKeyPath, 'utf8').trim();
    if (decodeKey(totpKey) === undefined) fail(`${config.totpKeyPath} does not hold a 32-byte key (base64 or hex)`);
  }
  let jwtPrivate, jwtPublic;
  try {
    jwtPrivate = readFileSync(config.jwtPrivateKeyPath, 'utf8');
    jwtPublic = readFileSync(config.jwtPublicKeyPath, 'utf8');
  } catch (e) {
    fail(`cannot read the JWT key pair (${e.code ?? e.message}); check JWT_PRIVATE_KEY_PATH and JWT_PUBLIC_KEY_PATH`);
  }
  if (!jwtPrivate.includes('PRIVATE KEY')) fail('JWT_PRIVATE_KEY_PATH does not hold a PEM private key');
  if (!jwtPublic.includes('PUBLIC KEY')) fail('JWT_PUBLIC_KEY_PATH does not hold a PEM public key');
  for (const line of created) say(`generated ${line} (keep ${shown(config.dataDir)} backed up)`);
  return { jwtPrivate, jwtPublic, totpKey, vapidPrivate };
}

/**
 * With TLS_CERT_PATH and TLS_KEY_PATH: a workerd config serving exactly the services of
 * selfhost/config.capnp on an https socket with the operator's certificate and key embedded (read
 * by workerd at start, never copied). Written to DATA_DIR/tls/config.capnp; returns its path.
 */
function tlsConfig(config) {
  for (const [name, file] of [['TLS_CERT_PATH', config.tls.certPath], ['TLS_KEY_PATH', config.tls.keyPath]]) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      fail(`cannot read ${name} ${file} (${e.code ?? e.message})`);
    }
    if (!/-----BEGIN [A-Z ]+-----/.test(text)) fail(`${name} ${file} is not PEM`);
  }
  const dir = join(config.dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const rel = (p) => JSON.stringify(relative(dir, p));
  const file = join(dir, 'config.capnp');
  writeFileSync(
    file,
    `# Written by selfhost/start.mjs for TLS_CERT_PATH / TLS_KEY_PATH; rewritten at every start.
@0x${randomBytes(8).toString('hex').replace(/^./, 'f')};
using Workerd = import "/workerd/workerd.capnp";
using Base = import ${rel(join(ROOT, 'selfhost/config.capnp'))};

const config :Workerd.Config = (
  services = Base.services,
  sockets = [
    (name = "http", address = "127.0.0.1:8443", service = "chatalot",
     https = (options = (), tlsOptions = (keypair = (privateKey = embed ${rel(config.tls.keyPath)}, certificateChain = embed ${rel(config.tls.certPath)})))),${
       config.httpRedirect ? `
    (name = "http-redirect", address = ${JSON.stringify(config.httpRedirect.value)}, http = (), service = "https-redirect"),` : ''
     }
  ],
);
`,
    { mode: 0o600 },
  );
  return file;
}

/** Resolves when `host:port` can be bound; stops start when another process holds it. */
function ensurePortFree({ host, port, value }) {
  if (port === 0) return Promise.resolve();
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', (e) => fail(e.code === 'EADDRINUSE' ? `LISTEN_ADDR ${value} is already in use by another process` : `LISTEN_ADDR ${value} cannot be used (${e.code ?? e.message})`));
    server.listen({ host: host === '*' ? '0.0.0.0' : host, port, exclusive: true }, () => server.close(resolvePort));
  });
}

/**
 * GET over https to our own workerd on a loopback address. The certificate is the operator's
 * and names their host, not this address, so it is not checked here: this probe only asks our
 * own child whether it is up.
 */
function loopbackHttpsJson(url) {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { rejectUnauthorized: false, timeout: 15_000 }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, json: async () => JSON.parse(text) }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function waitForHealth(baseUrl, child, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return { ok: false, message: `workerd exited with code ${child.exitCode}` };
    try {
      const res = baseUrl.startsWith('https:') ? await loopbackHttpsJson(`${baseUrl}/api/health`) : await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(15_000) });
      const body = await res.json();
      if (res.ok) return { ok: true, body };
      return { ok: false, message: body?.error?.message ?? `health answered ${res.status}` };
    } catch (e) {
      last = e.cause?.code ?? e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ok: false, message: `the server did not answer within ${deadlineMs / 1000} s (${last})` };
}

/**
 * Starts the password hasher (selfhost/hasher.capnp) on a free loopback port and resolves with
 * its process and port once workerd reports it listening; stops start with one line otherwise.
 */
function startHasher(secret, dev) {
  const args = ['serve', join(ROOT, 'selfhost/hasher.capnp'), '--socket-addr=http=127.0.0.1:0', '--control-fd=3'];
  if (dev) args.push('--watch');
  const child = spawn(workerdPath, args, { cwd: ROOT, env: { ...process.env, HASHER_SECRET: secret }, stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
  return new Promise((resolvePort) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), fail('the password hasher did not start within 30 s')), 30_000);
    child.once('exit', (code, signal) => (clearTimeout(timer), fail(`the password hasher exited at start (${signal ?? `code ${code}`})`)));
    child.stdio[3].on('data', (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        try {
          const msg = JSON.parse(line);
          if (msg.event === 'listen' && msg.socket === 'http') {
            clearTimeout(timer);
            child.removeAllListeners('exit');
            resolvePort({ child, port: msg.port });
          }
        } catch {
          // partial line
        }
      }
    });
  });
}

async function main() {
  let config;
  try {
    config = readConfig();
  } catch (e) {
    if (e instanceof ConfigError) fail(e.message);
    throw e;
  }
  ensureWritable(config.dataDir, 'DATA_DIR');
  ensureWritable(join(config.dataDir, 'do'), 'DATA_DIR');
  ensureWritable(join(config.dataDir, 'blobs'), 'DATA_DIR');
  await ensurePortFree(config.listen);
  const secrets = ensureSecrets(config);

  // The build tools (esbuild, vite) are development dependencies: a production install (the Docker
  // image, which sets CHATALOT_SKIP_BUILD=1) serves the dist/ it was given and never loads them.
  const build = process.env.CHATALOT_SKIP_BUILD === '1' && !dev ? null : await import('../scripts/build.mjs');
  if (build && (dev || build.needsBuild())) {
    const started = Date.now();
    say('building the worker and the web client…');
    await build.buildAll();
    say(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  const watchers = [];
  if (dev && build) {
    watchers.push(await build.watchWorker());
    const { build: viteBuild } = await import('vite');
    watchers.push(await viteBuild({ configFile: join(ROOT, 'client/vite.config.ts'), root: join(ROOT, 'client'), logLevel: 'warn', build: { watch: {} } }));
  }

  // The password hasher first: the server's `hasher` service points at the port it binds.
  // CHATALOT_HASHER=inline (a diagnostic, e.g. for bench:login-flood) hashes in the server itself.
  // The TLS config is checked first: a start refused for a bad certificate path must not leave a
  // hasher process behind (fail() exits at once).
  const configFile = config.tls ? tlsConfig(config) : join(ROOT, 'selfhost/config.capnp');
  const inlineHashing = process.env.CHATALOT_HASHER === 'inline';
  const hasherSecret = randomBytes(32).toString('base64url');
  const hasher = inlineHashing ? null : await startHasher(hasherSecret, dev);

  const args = [
    'serve',
    configFile,
    `--socket-addr=http=${config.listen.value}`,
    `--directory-path=do-storage=${join(config.dataDir, 'do')}`,
    `--directory-path=blobs=${join(config.dataDir, 'blobs')}`,
    // CHATALOT_ASSETS_DIR (tests only) serves a copy of the client, e.g. to publish a "new version".
    `--directory-path=assets=${process.env.CHATALOT_ASSETS_DIR || join(ROOT, 'dist/client')}`,
    `--external-addr=pg=${config.database ? `${config.database.host.includes(':') ? `[${config.database.host}]` : config.database.host}:${config.database.port}` : '127.0.0.1:5432'}`,
    `--external-addr=hasher=127.0.0.1:${hasher?.port ?? 9}`,
    '--control-fd=3',
  ];
  if (dev) args.push('--watch');
  // CHATALOT_INSPECTOR=127.0.0.1:9229 (a diagnostic, e.g. for a benchmark's server profile) opens
  // workerd's V8 inspector on that address (readConfig accepts loopback only); never on by default.
  if (config.inspector) args.push(`--inspector-addr=${config.inspector}`);
  const env = {
    ...process.env,
    CHATALOT_VERSION: JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
    DATABASE_URL: config.database?.url ?? '',
    CHATALOT_JWT_PRIVATE_KEY: secrets.jwtPrivate,
    CHATALOT_JWT_PUBLIC_KEY: secrets.jwtPublic,
    TOTP_ENCRYPTION_KEY: secrets.totpKey,
    REGISTRATION_MODE: config.registrationMode,
    ADMIN_USERNAME: config.adminUsername ?? '',
    MAX_FILE_SIZE_MB: String(config.maxFileSizeMb),
    FILE_QUOTA_MB: String(config.fileQuotaMb),
    TRUST_PROXY: String(config.trustProxy),
    LOG_LEVEL: config.logLevel,
    RATE_LIMIT_PER_SECOND: String(config.rateLimit),
    AUTH_RATE_LIMIT_PER_SECOND: String(config.authRateLimit),
    SEND_RATE_PER_SECOND: String(config.sendRate),
    HASHER_SECRET: hasher ? hasherSecret : '',
    MAX_SOCKETS_PER_ACCOUNT: String(config.maxSocketsPerAccount),
    MAX_SOCKETS_PER_IP: String(config.maxSocketsPerIp),
    CHANNEL_SHARD_THRESHOLD: String(config.shardThreshold),
    CHANNEL_SHARD_SIZE: String(config.shardSize),
    STUN_URLS: config.stunUrls.join(','),
    TURN_URLS: config.turnUrls.join(','),
    TURN_SECRET: config.turnSecret ?? '',
    TURN_TTL_SECONDS: String(config.turnTtl),
    LINK_PREVIEWS: config.linkPreviews,
    METRICS_TOKEN: config.metricsToken ?? '',
    GIF_API_KEY: config.gifApiKey ?? '',
    VAPID_PRIVATE_KEY: secrets.vapidPrivate,
    VAPID_SUBJECT: config.vapidSubject ?? '',
    PUSH_SERVICE_HOSTS: config.pushHosts,
    // The https port the plain-http redirect points at (HTTP_REDIRECT_ADDR).
    CHATALOT_HTTPS_PORT: String(config.listen.port),
  };
  if (!config.database) delete env.DATABASE_URL;
  if (!config.adminUsername) delete env.ADMIN_USERNAME;

  const child = spawn(workerdPath, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'pipe', 'pipe'] });
  const stderrTail = [];
  child.stderr.on('data', (chunk) => {
    process.stderr.write(chunk);
    stderrTail.push(...chunk.toString().split('\n').filter(Boolean));
    stderrTail.splice(0, Math.max(0, stderrTail.length - 20));
  });
  // workerd reports the port it actually bound on the control fd (useful with port 0).
  let boundPort = config.listen.port;
  let redirectPort = config.httpRedirect?.port ?? 0;
  child.stdio[3].on('data', (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      try {
        const msg = JSON.parse(line);
        if (msg.event === 'listen' && msg.socket === 'http') boundPort = msg.port;
        if (msg.event === 'listen' && msg.socket === 'http-redirect') redirectPort = msg.port;
      } catch {
        // partial line
      }
    }
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    say(`stopping (${signal})…`);
    for (const w of watchers) w.close?.();
    child.kill('SIGTERM');
    hasher?.child.kill('SIGTERM');
    setTimeout(() => (child.kill('SIGKILL'), hasher?.child.kill('SIGKILL')), 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // The two processes live and die together: a hasher that dies takes the server with it.
  // A Ctrl-C reaches the whole process group, so the hasher may see it before this process
  // does: give our own signal handler a moment before calling the exit unexpected.
  hasher?.child.on('exit', (code, signal) =>
    setTimeout(() => {
      if (stopping) return;
      stopping = true;
      child.kill('SIGKILL');
      fail(`the password hasher exited unexpectedly (${signal ?? `code ${code}`})`);
    }, 1000),
  );
  child.on('exit', (code, signal) => {
    hasher?.child.kill('SIGKILL');
    const finish = () => {
      if (stopping) {
        say('stopped');
        process.exit(0);
      }
      const cause = stderrTail.filter((l) => /error|fail|cannot|denied/i.test(l)).pop() ?? stderrTail.pop() ?? '';
      fail(`workerd exited unexpectedly (${signal ?? `code ${code}`})${cause ? `: ${cause}` : ''}`);
    };
    // A Ctrl-C reaches workerd too, and its exit can be seen before our own SIGINT handler runs
    // (CI saw "workerd exited unexpectedly (SIGINT)" on a loaded machine): give the handler a moment.
    if (!stopping && (signal === 'SIGINT' || signal === 'SIGTERM')) setTimeout(finish, 1000);
    else finish();
  });

  // Wait for the control fd to tell us the port, then for health (which runs migrations).
  await new Promise((r) => setTimeout(r, 50));
  const host = config.listen.host === '0.0.0.0' || config.listen.host === '*' ? '127.0.0.1' : config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host;
  let health;
  for (let i = 0; i < 100 && boundPort === 0; i++) await new Promise((r) => setTimeout(r, 50));
  const scheme = config.tls ? 'https' : 'http';
  health = await waitForHealth(`${scheme}://${host}:${boundPort}`, child, 60_000);
  if (!health.ok) {
    stopping = true;
    child.kill('SIGKILL');
    hasher?.child.kill('SIGKILL');
    fail(`could not start: ${health.message}`);
  }
  // For `npm run backup` (scripts/backup.mjs): which process to hold still for a moment.
  const runFile = join(config.dataDir, 'run', 'server.json');
  mkdirSync(dirname(runFile), { recursive: true, mode: 0o700 });
  writeFileSync(runFile, JSON.stringify({ pid: child.pid, port: boundPort, startedAt: new Date().toISOString() }), { mode: 0o600 });
  child.once('exit', () => rmSync(runFile, { force: true }));
  if (config.httpRedirect) say(`redirecting http://${config.httpRedirect.host}:${redirectPort} to https`);
  say(`serving ${scheme}://${config.listen.host.includes(':') ? `[${config.listen.host}]` : config.listen.host}:${boundPort} (storage: ${health.body.storage}, data: ${config.dataDir})`);
}

main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
