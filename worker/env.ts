/**
 * The one reader of the environment: bindings and configuration as the worker sees them,
 * on the self-hosted workerd (selfhost/config.capnp) and on Cloudflare (wrangler.toml) alike.
 * selfhost/start.mjs validates the same variables before workerd starts, so a bad value stops
 * start with a message naming it; here they are parsed once more, defensively.
 */
import type { ChannelRoomObject } from '../durable-objects/ChannelRoomObject';
import type { StoreObject } from '../durable-objects/StoreObject';
import type { RateLimiterObject } from '../durable-objects/RateLimiterObject';
import type { UserHubObject } from '../durable-objects/UserHubObject';

export interface Env {
  /** Static client files (workerd: a disk directory service; Cloudflare: the assets binding). */
  ASSETS: Fetcher;
  CHANNEL_ROOM: DurableObjectNamespace<ChannelRoomObject>;
  RATE_LIMITER?: DurableObjectNamespace<RateLimiterObject>;
  /** One hub per user: device inboxes, unread counts, presence, typing (durable-objects/UserHub.ts). */
  USER_HUB?: DurableObjectNamespace<UserHubObject>;
  /** The embedded SQLite store (self-hosted default). */
  STORE?: DurableObjectNamespace<StoreObject>;
  /** Cloudflare D1, when deployed there. */
  DB?: D1Database;
  /** The PostgreSQL server as an ExternalServer (self-hosted with DATABASE_URL). */
  PG?: Fetcher;
  DATABASE_URL?: string;
  /** Blob storage: a writable disk directory on the self-hosted workerd… */
  BLOB_DIR?: Fetcher;
  /** …or an R2 bucket on Cloudflare. */
  BLOBS?: R2Bucket;
  CHATALOT_VERSION?: string;
  JWT_PRIVATE_KEY?: string;
  JWT_PUBLIC_KEY?: string;
  TOTP_ENCRYPTION_KEY?: string;
  REGISTRATION_MODE?: string;
  ADMIN_USERNAME?: string;
  MAX_FILE_SIZE_MB?: string;
  LOG_LEVEL?: string;
  TRUST_PROXY?: string;
  RATE_LIMIT_PER_SECOND?: string;
  AUTH_RATE_LIMIT_PER_SECOND?: string;
  /** Open WebSockets one account may hold (worker/auth/socketLeases.ts). */
  MAX_SOCKETS_PER_ACCOUNT?: string;
  /** Open WebSockets one client IP may hold. */
  MAX_SOCKETS_PER_IP?: string;
  /** Envelopes one user may send per second into one channel. */
  SEND_RATE_PER_SECOND?: string;
  /** Test-only: shifts the server's clock (see worker/auth/clock.ts). */
  CHATALOT_CLOCK_OFFSET_MS?: string;
  /** Test-only fault injection (durable-objects/faults.ts); never set in production. */
  CHATALOT_TEST_FAULTS?: string;
}

/** The version string /api/health reports. */
export function version(env: Env): string {
  return env.CHATALOT_VERSION ?? '0.1.0';
}
