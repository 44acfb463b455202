# The password hasher: a second workerd process that only runs Argon2id (worker/hasher), so a
# login flood never holds the thread that serves sockets and requests (hardening #11.3).
#
# selfhost/start.mjs runs it before the server, on a loopback port it reads back from the
# control fd (--socket-addr=http=127.0.0.1:0), with HASHER_SECRET generated for the run, and
# points the server's `hasher` service at that port. It has no storage and no other bindings.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "hasher", worker = .hasher),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:0", http = (), service = "hasher"),
  ],
);

const hasher :Workerd.Worker = (
  modules = [
    (name = "index.js", esModule = embed "../dist/hasher/index.js"),
    (name = "argon2id-simd.wasm", wasm = embed "../dist/hasher/argon2id-simd.wasm"),
    (name = "argon2id-no-simd.wasm", wasm = embed "../dist/hasher/argon2id-no-simd.wasm"),
  ],
  compatibilityDate = "2026-04-01",
  compatibilityFlags = ["nodejs_compat"],
  bindings = [
    (name = "HASHER_SECRET", fromEnvironment = "HASHER_SECRET"),
  ],
);
