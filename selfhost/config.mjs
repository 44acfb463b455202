/**
 * Reads and validates the server's configuration from the environment, for `npm start` and the
 * Docker image. Every variable has a default or is optional; a bad value throws a ConfigError
 * whose message names the variable, so start stops with one clear line. README's configuration
 * table lists the same variables; tests/selfhost/config.test.ts checks the two agree.
 */
import { isAbsolute, resolve } from 'node:path';

export class ConfigError extends Error {}

/** Each variable: default (undefined = optional) and what it means, for README and errors. */
export const VARIABLES = {
  LISTEN_ADDR: { default: '127.0.0.1:8080', help: 'host:port the server listens on (use 0.0.0.0:8080 to accept other machines)' },
  DATA_DIR: { default: './data', help: 'where all state lives: Durable Object SQLite files, blobs, generated keys' },
  DATABASE_URL: { default: undefined, help: 'postgres://user:pass@host:port/db to keep accounts in PostgreSQL; unset = embedded SQLite' },
  JWT_PRIVATE_KEY_PATH: { default: '$DATA_DIR/keys/jwt-ed25519.pem', help: 'Ed25519 private key (PKCS#8 PEM) that signs access tokens; generated on first start' },
  JWT_PUBLIC_KEY_PATH: { default: '$DATA_DIR/keys/jwt-ed25519.pub.pem', help: 'its public key (SPKI PEM); generated with it' },
  TOTP_ENCRYPTION_KEY: { default: '$DATA_DIR/keys/totp.key', help: '32-byte key (base64 or hex) that encrypts TOTP secrets at rest; generated into the file on first start' },
  VAPID_PRIVATE_KEY_PATH: { default: '$DATA_DIR/keys/vapid-p256.pem', help: 'P-256 private key (PKCS#8 PEM) that signs Web Push requests (VAPID, RFC 8292); generated on first start. Browsers subscribe to this key: replacing it ends every push subscription' },
  VAPID_SUBJECT: { default: undefined, help: 'a mailto: or https: contact the browsers\' push services may use to reach you about your pushes (RFC 8292 sub), e.g. mailto:admin@example.org' },
  PUSH_SERVICE_HOSTS: { default: 'fcm.googleapis.com,updates.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com', help: 'comma-separated host names (*. wildcards) of the browser push services the server will send Web Push to (https only); others are refused' },
  TLS_CERT_PATH: { default: undefined, help: 'a PEM certificate (chain) to serve https on LISTEN_ADDR directly, without a proxy; needs TLS_KEY_PATH. Unset = plain http (fine on localhost; elsewhere browsers withhold push, installing, calls and WebCrypto)' },
  TLS_KEY_PATH: { default: undefined, help: 'the PEM private key of TLS_CERT_PATH' },
  HTTP_REDIRECT_ADDR: { default: undefined, help: 'with TLS: host:port where plain http is answered with a permanent redirect to the https address (e.g. 0.0.0.0:80); unset = no plain http at all' },
  REGISTRATION_MODE: { default: 'invite_only', help: 'open, invite_only or closed; the first account is always allowed and becomes the owner' },
  ADMIN_USERNAME: { default: undefined, help: 'username that becomes instance owner when it registers (otherwise the first account does)' },
  MAX_FILE_SIZE_MB: { default: '100', help: 'largest encrypted file upload, in MiB (1–10240)' },
  FILE_QUOTA_MB: { default: '1024', help: "each account's total of stored encrypted files, in MiB (1–1048576)" },
  TRUST_PROXY: { default: 'false', help: 'false: the connection\'s address; true (or a hop count 1–9): the address your own proxy appended to X-Forwarded-For (right-most entry, or N-th from the right); cloudflare: CF-Connecting-IP (Cloudflare or a cloudflared tunnel)' },
  LOG_LEVEL: { default: 'info', help: "error, warn, info or debug: the server's JSON log lines at that level and above" },
  METRICS_TOKEN: { default: undefined, help: 'a secret of at least 32 characters: turns on GET /metrics (Prometheus text format) for requests with Authorization: Bearer <METRICS_TOKEN>; unset = no metrics endpoint' },
  RATE_LIMIT_PER_SECOND: { default: '20', help: 'requests per second per client IP to the API and sockets (token bucket, one second of burst)' },
  AUTH_RATE_LIMIT_PER_SECOND: { default: '5', help: 'requests per second per client IP to the authentication routes' },
  SEND_RATE_PER_SECOND: { default: '10', help: 'envelopes one user may send per second into one channel (token bucket)' },
  MAX_SOCKETS_PER_ACCOUNT: { default: '32', help: 'open WebSockets (channels and hub together) one account may hold' },
  MAX_SOCKETS_PER_IP: { default: '256', help: 'open WebSockets one client IP may hold' },
  CHANNEL_SHARD_THRESHOLD: { default: '2000', help: "members' sockets one channel's room serves itself; past it new ones go to relay shards that fan out for it (sharded fan-out, docs/scaling.md; 0 = every socket on a shard)" },
  CHANNEL_SHARD_SIZE: { default: '2000', help: 'sockets one relay shard of a channel takes before the next shard opens (1–1000000)' },
  STUN_URLS: { default: undefined, help: 'comma-separated stun: URLs handed to calls (e.g. stun:turn.example.org:3478); unset = none (calls between machines that can reach each other directly, or TURN)' },
  TURN_URLS: { default: undefined, help: 'comma-separated turn:/turns: URLs of your TURN server (coturn with use-auth-secret); needs TURN_SECRET' },
  TURN_SECRET: { default: undefined, help: "the TURN server's shared secret (coturn static-auth-secret); members in a call get credentials valid for TURN_TTL_SECONDS" },
  TURN_TTL_SECONDS: { default: '3600', help: 'how long issued TURN credentials stay valid, in seconds (60–86400)' },
  GIF_API_KEY: { default: undefined, help: "a Tenor API key: turns on GIF search, through this server (Tenor sees the server's address and the search words, never a member's); unset = no GIF picker" },
  LINK_PREVIEWS: { default: 'off', help: 'on: the server fetches public web pages members link to (title and description only), so the preview travels encrypted and receivers never contact the site; the server then sees those addresses' },
};

/** Comma-separated stun:, turn: or turns: URLs; throws a ConfigError naming `name` for anything else. */
function parseIceUrls(name, value, schemes) {
  if (value === undefined) return [];
  const urls = value.split(',').map((u) => u.trim()).filter(Boolean);
  for (const u of urls) {
    if (!new RegExp(`^(${schemes.join('|')}):[A-Za-z0-9.\\[\\]:-]+(\\?transport=(udp|tcp))?$`).test(u)) throw new ConfigError(`${name} must be comma-separated ${schemes.join(':, ')}: URLs such as ${schemes[0]}:turn.example.org:3478 (got "${u}")`);
  }
  return urls;
}

const REGISTRATION_MODES = ['open', 'invite_only', 'closed'];
const LOG_LEVELS = ['error', 'warn', 'info', 'debug'];

function parseListenAddr(value) {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+|\*):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 0 || port > 65535) throw new ConfigError(`LISTEN_ADDR must be host:port, e.g. 127.0.0.1:8080 (got "${value}")`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port, value };
}

function parseDatabaseUrl(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL; expected postgres://user:password@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// (got "${url.protocol}//")`);
  }
  if (!url.hostname) throw new ConfigError('DATABASE_URL has no host');
  if (!url.pathname || url.pathname === '/') throw new ConfigError('DATABASE_URL names no database (add /dbname)');
  return { url: value, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 5432) };
}

/** Reads the configuration from `env` (process.env by default) relative to `cwd`. */
export function readConfig(env = process.env, cwd = process.cwd()) {
  const get = (name) => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const listen = parseListenAddr(get('LISTEN_ADDR') ?? VARIABLES.LISTEN_ADDR.default);
  const dataDir = resolve(cwd, get('DATA_DIR') ?? VARIABLES.DATA_DIR.default);
  const database = get('DATABASE_URL') ? parseDatabaseUrl(get('DATABASE_URL')) : undefined;
  const registrationMode = get('REGISTRATION_MODE') ?? 'invite_only';
  if (!REGISTRATION_MODES.includes(registrationMode)) {
    throw new ConfigError(`REGISTRATION_MODE must be one of ${REGISTRATION_MODES.join(', ')} (got "${registrationMode}")`);
  }
  const maxFile = Number(get('MAX_FILE_SIZE_MB') ?? '100');
  if (!Number.isInteger(maxFile) || maxFile < 1 || maxFile > 10240) {
    throw new ConfigError(`MAX_FILE_SIZE_MB must be a whole number from 1 to 10240 (got "${get('MAX_FILE_SIZE_MB')}")`);
  }
  const fileQuota = Number(get('FILE_QUOTA_MB') ?? '1024');
  if (!Number.isInteger(fileQuota) || fileQuota < 1 || fileQuota > 1048576) {
    throw new ConfigError(`FILE_QUOTA_MB must be a whole number from 1 to 1048576 (got "${get('FILE_QUOTA_MB')}")`);
  }
  const trustProxy = get('TRUST_PROXY') ?? 'false';
  if (!/^(true|false|cloudflare|[1-9])$/.test(trustProxy)) throw new ConfigError(`TRUST_PROXY must be false, true, a hop count from 1 to 9, or cloudflare (got "${trustProxy}")`);
  const logLevel = get('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  const rate = (name) => {
    const value = get(name) ?? VARIABLES[name].default;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) throw new ConfigError(`${name} must be a positive number of requests per second (got "${value}")`);
    return n;
  };
  const rateLimit = rate('RATE_LIMIT_PER_SECOND');
  const authRateLimit = rate('AUTH_RATE_LIMIT_PER_SECOND');
  const sendRate = rate('SEND_RATE_PER_SECOND');
  const cap = (name) => {
    const value = get(name) ?? VARIABLES[name].default;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new ConfigError(`${name} must be a whole number of sockets from 1 (got "${value}")`);
    return n;
  };
  const maxSocketsPerAccount = cap('MAX_SOCKETS_PER_ACCOUNT');
  const maxSocketsPerIp = cap('MAX_SOCKETS_PER_IP');
  const count = (name, min) => {
    const value = get(name) ?? VARIABLES[name].default;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > 1_000_000) throw new ConfigError(`${name} must be a whole number of sockets from ${min} to 1000000 (got "${value}")`);
    return n;
  };
  const shardThreshold = count('CHANNEL_SHARD_THRESHOLD', 0);
  const shardSize = count('CHANNEL_SHARD_SIZE', 1);
  const stunUrls = parseIceUrls('STUN_URLS', get('STUN_URLS'), ['stun', 'stuns']);
  const turnUrls = parseIceUrls('TURN_URLS', get('TURN_URLS'), ['turn', 'turns']);
  const turnSecret = get('TURN_SECRET');
  if (turnUrls.length > 0 && !turnSecret) throw new ConfigError('TURN_URLS needs TURN_SECRET (the static-auth-secret of your TURN server)');
  const turnTtl = Number(get('TURN_TTL_SECONDS') ?? VARIABLES.TURN_TTL_SECONDS.default);
  if (!Number.isInteger(turnTtl) || turnTtl < 60 || turnTtl > 86400) throw new ConfigError(`TURN_TTL_SECONDS must be a whole number of seconds from 60 to 86400 (got "${get('TURN_TTL_SECONDS')}")`);
  const metricsToken = get('METRICS_TOKEN');
  if (metricsToken !== undefined && !/^[A-Za-z0-9._~+/=-]{32,512}$/.test(metricsToken)) throw new ConfigError('METRICS_TOKEN must be 32 to 512 characters of letters, digits and ._~+/=- (e.g. openssl rand -hex 32)');
  const linkPreviews = get('LINK_PREVIEWS') ?? VARIABLES.LINK_PREVIEWS.default;
  if (linkPreviews !== 'on' && linkPreviews !== 'off') throw new ConfigError(`LINK_PREVIEWS must be on or off (got "${linkPreviews}")`);
  const adminUsername = get('ADMIN_USERNAME');
  if (adminUsername !== undefined && !/^[a-z0-9_.-]{3,32}$/.test(adminUsername)) {
    throw new ConfigError(`ADMIN_USERNAME must be 3–32 characters of a-z 0-9 _ . - (got "${adminUsername}")`);
  }
  const path = (name, fallback) => {
    const v = get(name);
    return v === undefined ? resolve(dataDir, fallback) : isAbsolute(v) ? v : resolve(cwd, v);
  };
  const tlsCert = get('TLS_CERT_PATH');
  const tlsKey = get('TLS_KEY_PATH');
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new ConfigError('TLS_CERT_PATH and TLS_KEY_PATH go together: set both to serve https, or neither');
  const redirectAddr = get('HTTP_REDIRECT_ADDR');
  if (redirectAddr !== undefined && tlsCert === undefined) throw new ConfigError('HTTP_REDIRECT_ADDR redirects plain http to https: it needs TLS_CERT_PATH and TLS_KEY_PATH');
  const httpRedirect = redirectAddr === undefined ? null : parseListenAddr(redirectAddr);
  if (httpRedirect && listen.port === 0) throw new ConfigError('HTTP_REDIRECT_ADDR needs a fixed https port in LISTEN_ADDR (not :0) to point the redirect at');
  const vapidSubject = get('VAPID_SUBJECT');
  if (vapidSubject !== undefined && !/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(vapidSubject)) throw new ConfigError(`VAPID_SUBJECT must be a mailto: address or an https: URL (got "${vapidSubject}")`);
  const pushHosts = get('PUSH_SERVICE_HOSTS') ?? VARIABLES.PUSH_SERVICE_HOSTS.default;
  if (!pushHosts.split(',').every((h) => /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(h.trim()))) throw new ConfigError(`PUSH_SERVICE_HOSTS must be comma-separated host names such as fcm.googleapis.com or *.push.apple.com (got "${pushHosts}")`);
  const totp = get('TOTP_ENCRYPTION_KEY');
  if (totp !== undefined && decodeKey(totp) === undefined) {
    throw new ConfigError('TOTP_ENCRYPTION_KEY must be 32 bytes as base64 (44 characters) or hex (64 characters)');
  }
  // CHATALOT_INSPECTOR (a diagnostic, not a setting: bench/README.md) opens workerd's V8
  // inspector, which runs any code it is sent inside the server, so only on loopback.
  const inspector = get('CHATALOT_INSPECTOR');
  if (inspector !== undefined && !/^(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(inspector)) {
    throw new ConfigError(`CHATALOT_INSPECTOR must be a loopback address and port such as 127.0.0.1:9229 (got "${inspector}")`);
  }
  return {
    inspector,
    listen,
    dataDir,
    database,
    registrationMode,
    adminUsername,
    maxFileSizeMb: maxFile,
    fileQuotaMb: fileQuota,
    trustProxy,
    logLevel,
    rateLimit,
    authRateLimit,
    sendRate,
    maxSocketsPerAccount,
    maxSocketsPerIp,
    shardThreshold,
    shardSize,
    stunUrls,
    turnUrls,
    turnSecret,
    turnTtl,
    linkPreviews,
    metricsToken,
    gifApiKey: get('GIF_API_KEY'),
    jwtPrivateKeyPath: path('JWT_PRIVATE_KEY_PATH', 'keys/jwt-ed25519.pem'),
    jwtPublicKeyPath: path('JWT_PUBLIC_KEY_PATH', 'keys/jwt-ed25519.pub.pem'),
    tls: tlsCert !== undefined ? { certPath: path('TLS_CERT_PATH', ''), keyPath: path('TLS_KEY_PATH', '') } : null,
    httpRedirect,
    vapidPrivateKeyPath: path('VAPID_PRIVATE_KEY_PATH', 'keys/vapid-p256.pem'),
    vapidSubject,
    pushHosts,
    totpKey: totp,
    totpKeyPath: resolve(dataDir, 'keys/totp.key'),
  };
}

/** Decodes a 32-byte key from base64 or hex; undefined when it is neither. */
export function decodeKey(text) {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    return b.length === 32 ? b : undefined;
  }
  return undefined;
}
