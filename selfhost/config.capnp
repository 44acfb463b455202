# The self-hosted Chatalot server: one workerd process serving the web client, /api and /ws.
#
# `npm start` (selfhost/start.mjs) and the Docker image both run exactly this file. Paths and
# addresses below are defaults that start.mjs overrides on workerd's command line:
#   --socket-addr http=$LISTEN_ADDR
#   --directory-path do-storage=$DATA_DIR/do  blobs=$DATA_DIR/blobs  assets=dist/client
#   --external-addr pg=<host:port of DATABASE_URL>  hasher=127.0.0.1:<the hasher's port>
# It declares the same bindings as wrangler.toml, so the code cannot tell the two apart except
# by which storage binding is present.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = .services,
  sockets = [
    (name = "http", address = "127.0.0.1:8080", http = (), service = "chatalot"),
  ],
);

# The services, apart so that the TLS config start.mjs writes for TLS_CERT_PATH (an https socket
# with the operator's certificate embedded) serves exactly these.
const services :List(Workerd.Service) = [
  (name = "chatalot", worker = .chatalot),
  (name = "assets", disk = (path = "dist/client")),
  (name = "do-storage", disk = (path = "data/do", writable = true)),
  (name = "blobs", disk = (path = "data/blobs", writable = true)),
  # The database is reached through this binding only; the worker's global outbound keeps
  # workerd's default of public addresses, so nothing else can reach the private network.
  (name = "pg", external = (address = "127.0.0.1:5432", tcp = ())),
  # The password hasher, a workerd process of its own (selfhost/hasher.capnp) on a loopback
  # port start.mjs picks: Argon2 there never holds this process's thread (worker/hasher).
  (name = "hasher", external = (address = "127.0.0.1:9", http = ())),
  # Link previews (worker/linkPreview.ts) go out through the global outbound, whose default
  # network allows public addresses only, checked on the addresses DNS returns. The test suite
  # serves its "external" pages on 127.0.0.2 and reaches them through this network instead,
  # used only when CHATALOT_TEST_PREVIEW_HOST names that address, and the fake GIF service on
  # it only when CHATALOT_TEST_GIF_API does, and the test push service only when
  # CHATALOT_TEST_PUSH_SERVICE names it (none is ever set in production).
  (name = "preview-test-net", network = (allow = ["public", "127.0.0.2/32"])),
  # With TLS and HTTP_REDIRECT_ADDR, start.mjs's generated config points a plain-http socket here:
  # every request gets a permanent redirect to the same place over https (nothing else is served).
  (name = "https-redirect", worker = .httpsRedirect),
];

const chatalot :Workerd.Worker = (
  modules = [
    (name = "index.js", esModule = embed "../dist/worker/index.js"),
    (name = "argon2id-simd.wasm", wasm = embed "../dist/worker/argon2id-simd.wasm"),
    (name = "argon2id-no-simd.wasm", wasm = embed "../dist/worker/argon2id-no-simd.wasm"),
  ],
  compatibilityDate = "2026-04-01",
  # no_web_socket_compression: every frame is end-to-end ciphertext in base64, which deflate barely
  # shrinks, while permessage-deflate cost the server a compressor (window and state) per socket
  # and a compression per socket for every fan-out (issue #21). Same flags as wrangler.toml.
  compatibilityFlags = ["nodejs_compat", "no_web_socket_compression"],
  bindings = [
    (name = "ASSETS", service = "assets"),
    (name = "BLOB_DIR", service = "blobs"),
    (name = "PG", service = "pg"),
    (name = "HASHER", service = "hasher"),
    (name = "HASHER_SECRET", fromEnvironment = "HASHER_SECRET"),
    (name = "CHANNEL_ROOM", durableObjectNamespace = "ChannelRoomObject"),
    (name = "CHANNEL_RELAY", durableObjectNamespace = "ChannelRelayObject"),
    (name = "STORE", durableObjectNamespace = "StoreObject"),
    (name = "RATE_LIMITER", durableObjectNamespace = "RateLimiterObject"),
    (name = "USER_HUB", durableObjectNamespace = "UserHubObject"),
    (name = "CHATALOT_VERSION", fromEnvironment = "CHATALOT_VERSION"),
    (name = "DATABASE_URL", fromEnvironment = "DATABASE_URL"),
    (name = "JWT_PRIVATE_KEY", fromEnvironment = "CHATALOT_JWT_PRIVATE_KEY"),
    (name = "JWT_PUBLIC_KEY", fromEnvironment = "CHATALOT_JWT_PUBLIC_KEY"),
    (name = "TOTP_ENCRYPTION_KEY", fromEnvironment = "TOTP_ENCRYPTION_KEY"),
    (name = "REGISTRATION_MODE", fromEnvironment = "REGISTRATION_MODE"),
    (name = "ADMIN_USERNAME", fromEnvironment = "ADMIN_USERNAME"),
    (name = "MAX_FILE_SIZE_MB", fromEnvironment = "MAX_FILE_SIZE_MB"),
    (name = "FILE_QUOTA_MB", fromEnvironment = "FILE_QUOTA_MB"),
    (name = "LOG_LEVEL", fromEnvironment = "LOG_LEVEL"),
    (name = "TRUST_PROXY", fromEnvironment = "TRUST_PROXY"),
    (name = "RATE_LIMIT_PER_SECOND", fromEnvironment = "RATE_LIMIT_PER_SECOND"),
    (name = "AUTH_RATE_LIMIT_PER_SECOND", fromEnvironment = "AUTH_RATE_LIMIT_PER_SECOND"),
    (name = "SEND_RATE_PER_SECOND", fromEnvironment = "SEND_RATE_PER_SECOND"),
    (name = "MAX_SOCKETS_PER_ACCOUNT", fromEnvironment = "MAX_SOCKETS_PER_ACCOUNT"),
    (name = "MAX_SOCKETS_PER_IP", fromEnvironment = "MAX_SOCKETS_PER_IP"),
    (name = "CHANNEL_SHARD_THRESHOLD", fromEnvironment = "CHANNEL_SHARD_THRESHOLD"),
    (name = "CHANNEL_SHARD_SIZE", fromEnvironment = "CHANNEL_SHARD_SIZE"),
    (name = "STUN_URLS", fromEnvironment = "STUN_URLS"),
    (name = "TURN_URLS", fromEnvironment = "TURN_URLS"),
    (name = "TURN_SECRET", fromEnvironment = "TURN_SECRET"),
    (name = "TURN_TTL_SECONDS", fromEnvironment = "TURN_TTL_SECONDS"),
    (name = "LINK_PREVIEWS", fromEnvironment = "LINK_PREVIEWS"),
    (name = "METRICS_TOKEN", fromEnvironment = "METRICS_TOKEN"),
    (name = "PREVIEW_TEST_NET", service = "preview-test-net"),
    (name = "CHATALOT_TEST_PREVIEW_HOST", fromEnvironment = "CHATALOT_TEST_PREVIEW_HOST"),
    (name = "GIF_API_KEY", fromEnvironment = "GIF_API_KEY"),
    (name = "CHATALOT_TEST_GIF_API", fromEnvironment = "CHATALOT_TEST_GIF_API"),
    (name = "VAPID_PRIVATE_KEY", fromEnvironment = "VAPID_PRIVATE_KEY"),
    (name = "VAPID_SUBJECT", fromEnvironment = "VAPID_SUBJECT"),
    (name = "PUSH_SERVICE_HOSTS", fromEnvironment = "PUSH_SERVICE_HOSTS"),
    (name = "CHATALOT_TEST_PUSH_SERVICE", fromEnvironment = "CHATALOT_TEST_PUSH_SERVICE"),
    (name = "CHATALOT_CLOCK_OFFSET_MS", fromEnvironment = "CHATALOT_CLOCK_OFFSET_MS"),
    (name = "CHATALOT_TEST_FAULTS", fromEnvironment = "CHATALOT_TEST_FAULTS"),
  ],
  durableObjectNamespaces = [
    (className = "ChannelRoomObject", uniqueKey = "chatalot-channel-room", enableSql = true),
    (className = "ChannelRelayObject", uniqueKey = "chatalot-channel-relay", enableSql = true),
    (className = "StoreObject", uniqueKey = "chatalot-store", enableSql = true),
    (className = "RateLimiterObject", uniqueKey = "chatalot-rate-limiter", enableSql = true),
    (className = "UserHubObject", uniqueKey = "chatalot-user-hub", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
);

const httpsRedirect :Workerd.Worker = (
  modules = [
    (name = "redirect.js", esModule = "export default { fetch(request, env) { const url = new URL(request.url); url.protocol = 'https:'; url.port = env.HTTPS_PORT === '443' ? '' : env.HTTPS_PORT; return new Response(null, { status: 308, headers: { Location: url.href, 'Cache-Control': 'no-store' } }); } };"),
  ],
  compatibilityDate = "2026-04-01",
  bindings = [(name = "HTTPS_PORT", fromEnvironment = "CHATALOT_HTTPS_PORT")],
);

