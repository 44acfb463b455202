#!/usr/bin/env node
/**
 * `npm run bench:polls`: "Poll with 1,000 voters: time until every client shows the same tally"
 * (issue #15). It prints the figures and writes them as JSON to bench/results/polls-<time>.json.
 * It is never part of `npm test`.
 *
 * One channel per server. Its members are an author and V voters (`--voters`, default 1,000), each
 * with its own account and its own socket. Per measured run (`--runs`, default 3, after one
 * unmeasured warm-up run), in the same channel:
 *   1. the author posts a fresh poll with 4 options: a `message` envelope whose sealed body is
 *      `{ v: 1, poll }` (client/src/e2ee/MessageBody.ts); the bench waits until every client has it;
 *   2. every voter sends one vote at once: a `reaction` envelope with `target` = the poll's seq whose
 *      sealed body is `{ v: 1, vote: [option] }`. A fraction of the voters (`--changes`, default
 *      0.1) changes its mind: when its first vote is acknowledged it sends a second one, which
 *      replaces the first;
 *   3. every client (the voters and the author) receives each vote, JSON-parses the frame, opens
 *      the body (AES-256-GCM), decodes it with the client's own decodeBody and applies it in seq
 *      order with the client's own applyVote (client/src/e2ee/polls.ts, both bundled on the fly
 *      with esbuild). Its own votes come back as acks at their seq, as in the web client.
 *   A client has converged when it has applied every vote of the poll and its tally equals the
 *   final tally (which the bench knows from its plan). Figures per run: time from the first vote
 *   sent to the first client, 50 %, 99 % and the last client converged; vote envelopes delivered per
 *   second; the server's CPU (workerd's, from /proc) and the bench's own (the simulated clients)
 *   during the window, and where the clients' JavaScript time went (parse / decrypt / apply).
 *
 * Encryption: one random AES-256-GCM key per run, shared by every bench client, seals every body
 * (a fresh 12-byte IV each; the poll's seq is authenticated data of each vote). The bench does NOT
 * run the sender-key distribution: what a first message to 1,000 devices costs is issue #21's
 * `npm run bench:groups` figure. This measures relay fan-out + per-client decrypt + tally.
 *
 * Baseline, in the same run with the identical client load: bench/wsBaseline.mjs, the naive Node
 * `ws` relay speaking the same frames. It authenticates nobody and relays only `seq`,
 * `clientMsgId`, `ciphertext` and `ts` (no `kind`, `target` or real `sender`), so on the baseline a
 * client takes a vote's voter from its clientMsgId and its poll from the current run; on chatalot
 * the voter is the room's authenticated `sender` and the bench checks `kind` and `target`.
 * Runs alternate between the two servers so other load on the machine falls on both alike.
 *
 * Clients: every simulated member shares 127.0.0.1, so chatalot is started with the per-IP request
 * and auth rate limits raised and open registration (setup only: 1,000 Argon2id registrations);
 * the per-user send limit stays at its default (10/s), which one or two votes per poll never meet.
 * The clients live in worker threads (`--workers`, default 2) on bare TCP WebSockets
 * (lib/rawSocket.mjs), because they share the machine's 2 cores with the server.
 *
 * Bounded: loopback only, at most 5,000 voters, a per-run timeout (`--runTimeout`, s) and an
 * overall one (`--timeout`, s); every server is killed at the end, on error or Ctrl-C.
 *
 * Options (CLI `--name=value`, or env BENCH_NAME): voters=1000 changes=0.1 runs=3 warmup=1
 * workers=2 servers=chatalot,baseline spread=0 (ms over which first votes are spread)
 * changeDelay=0 (ms, at most, between a first vote's ack and the change) runTimeout=180
 * timeout=3000 registerConcurrency=8
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { api as apiCall } from './lib/access.mjs';
import { connectMany } from './lib/connect.mjs';
import { frameKind, nowUs } from './lib/measure.mjs';
import { ROOT, cpuMs, killAll, machineBusyMs, startBaseline, startChatalot } from './lib/servers.mjs';
import { WorkerClient, option, versionOf } from './lib/workerClient.mjs';
import { importBundled } from './lib/bundle.mjs';

const SUBPROTOCOL = 'chatalot.v1';
const POLL_OPTIONS = ['Pizza', 'Sushi', 'Tacos', 'Salad'];
/** How the voters lean (a realistic, uneven tally): the chance of each option. */
const LEAN = [0.4, 0.3, 0.2, 0.1];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Crypto shared by both sides: one AES-256-GCM key per run, IV ‖ ciphertext ‖ tag, base64.

function seal(key, plaintext, aad) {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const body = Buffer.concat([iv, c.update(plaintext), c.final(), c.getAuthTag()]);
  return body.toString('base64');
}

function open(key, b64, aad) {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length < 28) throw new Error('ciphertext too short');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAAD(aad);
  d.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]);
}

const POLL_AAD = Buffer.from('chatalot-bench poll');
const voteAad = (pollSeq) => Buffer.from(`chatalot-bench vote on ${pollSeq}`);

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Worker thread: a slice of the channel's clients.

/** A masked text frame of any length under 64 KiB (RawReceiver.text only does short ones). */
function sendText(rx, str) {
  if (rx.closed) return;
  const payload = Buffer.from(str);
  const len = payload.length;
  const hdr = len < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(hdr + 4 + len);
  frame[0] = 0x81;
  if (len < 126) frame[1] = 0x80 | len;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(len, 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, hdr);
  for (let i = 0; i < len; i++) frame[hdr + 4 + i] = payload[i] ^ mask[i & 3];
  rx.socket.write(frame);
}

/** CPU time (user + system, 10 ms ticks) of the calling thread: its JavaScript and its socket syscalls. */
function threadCpuMs() {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return NaN;
  }
}

async function workerMain() {
  const { slot, shared, bundle, first, count, authenticated } = workerData;
  const { applyVote, decodeBody, encodeBody } = await import(bundle);
  const counters = new Int32Array(shared); // [2·slot]: clients holding the poll, [2·slot+1]: clients done
  const SEEN_EVERY = 100;

  /** Per-client state; index k in this slice is global client first + k (0 = the author). */
  const clients = Array.from({ length: count }, (_, k) => ({ i: first + k, me: '', rx: null, unseen: 0, lastSeq: 0 }));
  let run = -1;
  let key = null;
  let finalTally = [];
  let expected = 0;
  let plan = null; // { firstVote: Int8Array, secondVote: Int8Array } for this slice
  let changeDelayMs = 0;
  let closing = false;
  const stats = {};
  const resetStats = () =>
    Object.assign(stats, { frames: 0, voteDeliveries: 0, acks: 0, lastRecvUs: 0, firstSendUs: 0, parseMs: 0, decryptMs: 0, applyMs: 0, wrong: 0, bad: 0, outOfOrder: 0, errors: {}, unexpectedCloses: 0, elu: performance.eventLoopUtilization() });
  resetStats();

  const voterOf = (e) => (authenticated ? e.sender : `v${/_v(\d+)_/.exec(e.clientMsgId)?.[1] ?? '?'}`);

  function resetClient(c) {
    c.poll = null;
    c.pollSeq = 0;
    c.next = 0;
    c.held = new Map(); // seq → item arrived ahead of an earlier seq (never expected: streams are ordered)
    c.applied = 0;
    c.done = false;
    c.convergedUs = 0;
    c.pending = new Map(); // clientMsgId → own vote awaiting its ack
  }

  function send(c, frame) {
    sendText(c.rx, frame);
  }

  function sendVote(c, opt, n) {
    const id = `poll${run}_v${c.i}_${n}`;
    const ciphertext = seal(key, encodeBody({ v: 1, vote: [opt] }), voteAad(c.pollSeq));
    c.pending.set(id, { vote: [opt], n });
    if (!stats.firstSendUs) stats.firstSendUs = nowUs();
    send(c, `{"type":"send","clientMsgId":"${id}","kind":"reaction","target":${c.pollSeq},"ciphertext":"${ciphertext}"}`);
  }

  /** Applies items strictly in seq order, as the web client orders records before counting. */
  function deliver(c, seq, item) {
    if (seq !== c.next) {
      stats.outOfOrder++;
      c.held.set(seq, item);
      return;
    }
    applyItem(c, item);
    c.next++;
    while (c.held.has(c.next)) {
      const it = c.held.get(c.next);
      c.held.delete(c.next);
      applyItem(c, it);
      c.next++;
    }
  }

  function applyItem(c, item) {
    const t0 = performance.now();
    let body;
    if (item.own) body = { vote: item.own.vote };
    else {
      const e = item.e;
      if (authenticated && (e.kind !== 'reaction' || e.target !== c.pollSeq)) {
        stats.bad++;
        return;
      }
      let plain;
      try {
        plain = open(key, e.ciphertext, voteAad(c.pollSeq));
      } catch {
        stats.bad++;
        return;
      }
      const t1 = performance.now();
      stats.decryptMs += t1 - t0;
      body = decodeBody(plain);
      if (!body?.vote) {
        stats.bad++;
        return;
      }
    }
    const t2 = performance.now();
    applyVote(c.poll, item.own ? c.me : voterOf(item.e), body.vote, item.ts);
    if (++c.applied === expected) finish(c);
    stats.applyMs += performance.now() - t2;
  }

  /** Every vote applied: the tally this client shows must be the final one. */
  function finish(c) {
    const tally = new Array(POLL_OPTIONS.length).fill(0);
    for (const b of Object.values(c.poll.ballots)) for (const o of b) tally[o]++;
    c.done = true;
    if (tally.every((n, o) => n === finalTally[o])) c.convergedUs = nowUs();
    else stats.wrong++;
    Atomics.add(counters, 2 * slot + 1, 1);
  }

  function onPoll(c, seq, body) {
    c.poll = { ...body.poll, closed: false, ballots: {} };
    c.pollSeq = seq;
    c.next = seq + 1;
    Atomics.add(counters, 2 * slot, 1);
  }

  function onFrame(c, buf, start, end) {
    stats.frames++;
    const kind = frameKind(buf, start);
    const now = nowUs();
    const t0 = performance.now();
    let f;
    try {
      f = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      stats.bad++;
      return;
    }
    stats.parseMs += performance.now() - t0;
    if (kind === 0) {
      if (f.type === 'error') stats.errors[f.error?.code ?? '?'] = (stats.errors[f.error?.code ?? '?'] ?? 0) + 1;
      return;
    }
    if (f.seq > c.lastSeq) c.lastSeq = f.seq;
    if (++c.unseen >= SEEN_EVERY) {
      c.unseen = 0;
      c.rx.text(`{"type":"seen","seq":${c.lastSeq}}`);
    }
    if (run < 0) return;
    if (kind === 2) {
      // An ack of this client's own send, at its place in the stream.
      stats.acks++;
      if (f.clientMsgId === `poll${run}_author`) return onPoll(c, f.seq, { poll: { question: 'Lunch?', options: POLL_OPTIONS } });
      const own = c.pending.get(f.clientMsgId);
      if (!own || !c.poll) return;
      c.pending.delete(f.clientMsgId);
      deliver(c, f.seq, { own, ts: f.ts });
      // A voter who changes its mind does so once its first vote is in.
      const second = plan.secondVote[c.i - first];
      if (own.n === 0 && second >= 0) {
        const delay = Math.random() * changeDelayMs;
        if (delay < 1) sendVote(c, second, 1);
        else setTimeout(() => sendVote(c, second, 1), delay);
      }
      return;
    }
    if (!c.poll) {
      // The first message of this run: the poll (an envelope from an earlier run cannot be here,
      // because every client had converged on that run before this one was prepared).
      let body = null;
      try {
        body = decodeBody(open(key, f.ciphertext, POLL_AAD));
      } catch {
        // not sealed with this run's key
      }
      if (body?.poll) onPoll(c, f.seq, body);
      else stats.bad++;
      return;
    }
    stats.voteDeliveries++;
    stats.lastRecvUs = now;
    deliver(c, f.seq, { e: f, ts: f.ts });
  }

  parentPort.on('message', async (msg) => {
    switch (msg.cmd) {
      case 'connect': {
        const { url, protocols, ids, concurrency } = msg;
        for (let k = 0; k < count; k++) clients[k].me = ids[k];
        const r = await connectMany(
          count,
          () => url,
          (k) => ({ credentials: async () => ({ protocols: protocols[k] }), onPayload: (buf, start, end) => onFrame(clients[k], buf, start, end) }),
          concurrency,
        );
        for (let k = 0; k < count; k++) {
          const rx = r.sockets[k];
          clients[k].rx = rx;
          if (rx)
            rx.onClose = () => {
              if (!closing) stats.unexpectedCloses++;
            };
        }
        parentPort.postMessage({ type: 'connected', failed: r.errors.length, errors: r.errors.slice(0, 3) });
        break;
      }
      case 'prepare': {
        run = msg.run;
        key = createSecretKey(Buffer.from(msg.key));
        finalTally = msg.finalTally;
        expected = msg.expected;
        plan = { firstVote: msg.firstVote, secondVote: msg.secondVote };
        changeDelayMs = msg.changeDelayMs;
        for (const c of clients) resetClient(c);
        Atomics.store(counters, 2 * slot, 0);
        Atomics.store(counters, 2 * slot + 1, 0);
        resetStats();
        parentPort.postMessage({ type: 'prepared' });
        break;
      }
      case 'post': {
        // Client 0 is the author: it seals and posts the poll.
        const c = clients[0];
        const ciphertext = seal(key, encodeBody({ v: 1, poll: { question: 'Lunch?', options: POLL_OPTIONS } }), POLL_AAD);
        send(c, `{"type":"send","franking":"RnJhbmtpbmctY29tbWl0bWVudC1zdGFuZC1pbi0wMDA","clientMsgId":"poll${run}_author","ciphertext":"${ciphertext}"}`);
        parentPort.postMessage({ type: 'posted' });
        break;
      }
      case 'vote': {
        // Not resetStats(): another thread's voters may already be sending, and what arrives before
        // this message is counted (prepare reset everything; the poll's own frame is not a vote).
        stats.elu = performance.eventLoopUtilization();
        stats.cpu0 = threadCpuMs();
        const spread = msg.spreadMs;
        for (const c of clients) {
          if (c.i === 0) continue;
          const opt = plan.firstVote[c.i - first];
          if (spread > 0) setTimeout(() => sendVote(c, opt, 0), Math.random() * spread);
          else sendVote(c, opt, 0);
        }
        parentPort.postMessage({ type: 'voting' });
        break;
      }
      case 'report': {
        const converged = new Float64Array(count);
        for (let k = 0; k < count; k++) converged[k] = clients[k].convergedUs;
        const elu = performance.eventLoopUtilization(stats.elu);
        const { elu: _e, cpu0, ...rest } = stats;
        parentPort.postMessage({ type: 'report', ...rest, activeMs: elu.active, threadCpuMs: threadCpuMs() - cpu0, converged, undone: clients.filter((c) => !c.done).length }, [converged.buffer]);
        break;
      }
      case 'close':
        closing = true;
        for (const c of clients) c.rx?.terminate();
        parentPort.postMessage({ type: 'closed' });
        break;
    }
  });
  parentPort.postMessage({ type: 'ready' });
}

// ─────────────────────────────────────────────────────────────────────────────────────────────
// Main thread.

/** The API, retrying while the password hasher is busy during the voters' registrations. */
const api = (baseUrl, method, path, body, token) => apiCall(baseUrl, method, path, body, token, 5);

/** Runs fn(0…n−1) with at most `concurrency` in flight; resolves with the results in order. */
async function pool(n, concurrency, fn) {
  const out = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/**
 * The channel's members on a fresh chatalot server, through the public API: the owner (the poll's
 * author) creates a community and an invite; each voter registers its own account and joins with
 * it. Returns the channel and, per client, its user id and the protocols of its upgrade.
 */
async function chatalotMembers(baseUrl, voters, concurrency, log) {
  const password = () => randomBytes(18).toString('base64url');
  const verifier = () => randomBytes(32).toString('base64url');
  const owner = await api(baseUrl, 'POST', '/api/auth/register', { acceptTerms: 1, username: 'pollauthor', password: password(), recoveryVerifier: verifier() });
  const created = await api(baseUrl, 'POST', '/api/communities', { name: 'Poll bench' }, owner.accessToken);
  const communityId = created.community.id;
  const channelId = created.channels[0].id;
  const { code } = await api(baseUrl, 'POST', `/api/communities/${communityId}/invites`, {}, owner.accessToken);
  const started = Date.now();
  let done = 0;
  const members = await pool(voters, concurrency, async (i) => {
    const reg = await api(baseUrl, 'POST', '/api/auth/register', { acceptTerms: 1, username: `voter${i + 1}`, password: password(), recoveryVerifier: verifier() });
    await api(baseUrl, 'POST', `/api/community-invites/${code}/join`, undefined, reg.accessToken);
    if (++done % 100 === 0) log(`    ${done}/${voters} voters registered and joined (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return { id: reg.user.id, refreshToken: reg.refreshToken };
  });
  const setupS = (Date.now() - started) / 1000;
  // Access tokens live 15 minutes and a socket closes when its token expires: fresh ones now.
  const all = [{ id: owner.user.id, refreshToken: owner.refreshToken }, ...members];
  const tokens = await pool(all.length, 16, async (k) => (await api(baseUrl, 'POST', '/api/auth/refresh', { refreshToken: all[k].refreshToken })).accessToken);
  return { channelId, setupS, ids: all.map((m) => m.id), protocols: tokens.map((t) => [SUBPROTOCOL, `bearer.${t}`]) };
}

/** The same shape for the ws baseline, which checks nothing: made-up tokens of similar length. */
function baselineMembers(voters) {
  const n = voters + 1;
  return { channelId: `polls-${Date.now().toString(36)}`, setupS: 0, ids: Array.from({ length: n }, (_, i) => `v${i}`), protocols: Array.from({ length: n }, () => [SUBPROTOCOL, `bearer.${'x'.repeat(300)}`]) };
}

/** Quantile q (0–1) of sorted xs: the time by which that share of clients had converged. */
const quantile = (sorted, q) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');

/** One server with the channel's clients connected, and the poll runs on it. */
class Harness {
  constructor(kind, server, members, opts) {
    this.kind = kind;
    this.server = server;
    this.members = members;
    this.opts = opts;
    this.clients = opts.voters + 1;
    this.url = server.channelUrl(members.channelId);
    const w = Math.max(1, Math.min(opts.workers, this.clients));
    this.shared = new SharedArrayBuffer(4 * 2 * w);
    this.counters = new Int32Array(this.shared);
    const per = Math.ceil(this.clients / w);
    this.slices = Array.from({ length: w }, (_, s) => ({ first: s * per, count: Math.max(0, Math.min(per, this.clients - s * per)) })).filter((x) => x.count > 0);
    this.workers = this.slices.map(
      (sl, s) => new WorkerClient(fileURLToPath(import.meta.url), { slot: s, shared: this.shared, bundle: opts.bundle, first: sl.first, count: sl.count, authenticated: kind === 'chatalot' }, (e) => console.error(`client worker failed: ${e.stack ?? e}`)),
    );
  }

  sum(offset) {
    let n = 0;
    for (let s = 0; s < this.workers.length; s++) n += Atomics.load(this.counters, 2 * s + offset);
    return n;
  }

  async connect() {
    await Promise.all(this.workers.map((w) => w.ready));
    const t = performance.now();
    const answers = await Promise.all(
      this.workers.map((w, s) => {
        const { first, count } = this.slices[s];
        return w.ask({ cmd: 'connect', url: this.url, protocols: this.members.protocols.slice(first, first + count), ids: this.members.ids.slice(first, first + count), concurrency: Math.ceil(100 / this.workers.length) }, 'connected');
      }),
    );
    const failed = answers.reduce((a, r) => a + r.failed, 0);
    if (failed) throw new Error(`${failed} of ${this.clients} sockets failed to connect (first: ${answers.flatMap((r) => r.errors)[0]})`);
    return performance.now() - t;
  }

  /** One poll: plan the votes, post, wait until everyone has it, vote, wait until everyone converged. */
  async run(runIndex) {
    const { voters, changes, spread, changeDelay, runTimeout } = this.opts;
    const pick = (not) => {
      for (;;) {
        let x = Math.random();
        let o = 0;
        while (o < LEAN.length - 1 && x >= LEAN[o]) x -= LEAN[o++];
        if (o !== not) return o;
      }
    };
    const firstVote = new Int8Array(this.clients).fill(-1);
    const secondVote = new Int8Array(this.clients).fill(-1);
    const finalTally = new Array(POLL_OPTIONS.length).fill(0);
    let changed = 0;
    for (let i = 1; i <= voters; i++) {
      firstVote[i] = pick(-1);
      if (Math.random() < changes) {
        secondVote[i] = pick(firstVote[i]);
        changed++;
      }
      finalTally[secondVote[i] >= 0 ? secondVote[i] : firstVote[i]]++;
    }
    const expected = voters + changed;
    const key = randomBytes(32);
    await Promise.all(
      this.workers.map((w, s) => {
        const { first, count } = this.slices[s];
        return w.ask({ cmd: 'prepare', run: runIndex, key, finalTally, expected, firstVote: firstVote.slice(first, first + count), secondVote: secondVote.slice(first, first + count), changeDelayMs: changeDelay }, 'prepared');
      }),
    );
    await this.workers[0].ask({ cmd: 'post' }, 'posted');
    const pollDeadline = Date.now() + 30_000;
    while (this.sum(0) < this.clients) {
      if (Date.now() > pollDeadline) throw new Error(`only ${this.sum(0)} of ${this.clients} clients received the poll within 30 s`);
      await sleep(2);
    }
    await sleep(300); // let the poll's fan-out settle before the window opens
    const before = { server: cpuMs(this.server.serverPid), bench: cpuMs(process.pid), machine: machineBusyMs(), us: nowUs() };
    await Promise.all(this.workers.map((w) => w.ask({ cmd: 'vote', spreadMs: spread }, 'voting')));
    const deadline = Date.now() + runTimeout * 1000;
    let timedOut = false;
    while (this.sum(1) < this.clients) {
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
      await sleep(1);
    }
    const after = { server: cpuMs(this.server.serverPid), bench: cpuMs(process.pid), machine: machineBusyMs(), us: nowUs() };
    const reports = await Promise.all(this.workers.map((w) => w.ask({ cmd: 'report' }, 'report')));
    const t0 = Math.min(...reports.map((r) => r.firstSendUs).filter((x) => x > 0));
    const times = reports.flatMap((r) => Array.from(r.converged).filter((x) => x > 0).map((x) => (x - t0) / 1000)).sort((a, b) => a - b);
    const sumOf = (k) => reports.reduce((a, r) => a + r[k], 0);
    const errors = {};
    for (const r of reports) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
    const deliveries = sumOf('voteDeliveries');
    const lastRecvUs = Math.max(...reports.map((r) => r.lastRecvUs));
    const wallMs = (after.us - before.us) / 1000;
    const serverCpuMs = after.server - before.server;
    const benchCpuMs = after.bench - before.bench;
    const jsMs = sumOf('parseMs') + sumOf('decryptMs') + sumOf('applyMs');
    return {
      server: this.kind,
      run: runIndex,
      voters,
      clients: this.clients,
      votes: expected,
      changed,
      finalTally,
      converged: times.length,
      wrongTally: sumOf('wrong'),
      notDone: sumOf('undone'),
      timedOut,
      firstMs: times[0],
      p50Ms: quantile(times, 0.5),
      p99Ms: quantile(times, 0.99),
      lastMs: times.length === this.clients ? times[times.length - 1] : NaN,
      voteDeliveries: deliveries,
      expectedDeliveries: expected * voters, // each vote reaches every client but its sender (who gets the ack)
      deliveriesPerSecond: deliveries / ((lastRecvUs - t0) / 1e6),
      serverCpuMs,
      serverCpuUsPerDelivery: (serverCpuMs * 1000) / deliveries,
      serverCores: serverCpuMs / wallMs,
      benchCpuMs,
      benchCores: benchCpuMs / wallMs,
      otherCores: (after.machine - before.machine - serverCpuMs - benchCpuMs) / wallMs,
      clientJs: {
        parseUsPerDelivery: (sumOf('parseMs') * 1000) / sumOf('frames'),
        decryptUsPerVote: (sumOf('decryptMs') * 1000) / deliveries,
        decodeApplyUsPerVote: (sumOf('applyMs') * 1000) / (deliveries + sumOf('acks')),
        jsMs,
        workerActiveMs: sumOf('activeMs'),
        workerCpuMs: sumOf('threadCpuMs'),
        perClientJsMs: jsMs / this.clients,
      },
      bad: sumOf('bad'),
      outOfOrder: sumOf('outOfOrder'),
      unexpectedCloses: sumOf('unexpectedCloses'),
      errors,
    };
  }

  async close() {
    await Promise.all(
      this.workers.map(async (w) => {
        await Promise.race([w.ask({ cmd: 'close' }, 'closed'), sleep(5000)]);
        await w.worker.terminate();
      }),
    );
  }
}

async function main() {
  const opts = {
    voters: Number(option('voters', 1000)),
    changes: Number(option('changes', 0.1)),
    runs: Number(option('runs', 3)),
    warmup: Number(option('warmup', 1)),
    workers: Number(option('workers', 2)),
    servers: String(option('servers', 'chatalot,baseline')).split(',').map((s) => s.trim()).filter(Boolean),
    spread: Number(option('spread', 0)),
    changeDelay: Number(option('changeDelay', 0)),
    runTimeout: Number(option('runTimeout', 180)),
    timeout: Number(option('timeout', 3000)),
    registerConcurrency: Number(option('registerConcurrency', 8)),
  };
  if (!Number.isInteger(opts.voters) || opts.voters < 1 || opts.voters > 5000) throw new Error(`--voters must be 1–5000 (got ${opts.voters})`);
  if (!(opts.changes >= 0 && opts.changes <= 1)) throw new Error(`--changes must be a fraction 0–1 (got ${opts.changes})`);
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || opts.runs > 20) throw new Error('--runs must be 1–20');
  for (const s of opts.servers) if (s !== 'chatalot' && s !== 'baseline') throw new Error(`unknown server ${s}`);
  const log = (line) => console.log(line);

  // A hard stop for the whole bench, whatever hangs.
  setTimeout(() => {
    console.error(`polls bench: overall timeout of ${opts.timeout} s reached; killing the servers`);
    killAll('SIGKILL');
    process.exit(2);
  }, opts.timeout * 1000).unref();

  if (!existsSync(join(ROOT, 'dist', 'worker'))) {
    log('dist/ is missing: npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }

  // The client's own poll code, bundled (inside node_modules so nothing lands in the tree).
  const bundled = await importBundled('polls', "export { applyVote } from './client/src/e2ee/polls.ts';\nexport { decodeBody, encodeBody } from './client/src/e2ee/MessageBody.ts';\n");
  opts.bundle = bundled.url;
  const tmp = bundled.dir;

  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, workerd: versionOf('workerd'), ws: versionOf('ws'), loadAverageAtStart: loadavg() };
  log(`poll bench: ${opts.voters} voters + the author, ${POLL_OPTIONS.length} options, ${Math.round(opts.changes * 100)} % change their vote; ${opts.warmup} warm-up + ${opts.runs} measured run(s) per server; ${opts.workers} client worker thread(s); ${machine.cpus} cores (${machine.cpuModel}), node ${machine.node}, workerd ${machine.workerd}`);
  log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const harnesses = [];
  const servers = [];
  const results = { setup: {} };
  try {
    for (const kind of opts.servers) {
      log(`${kind}: starting`);
      let server;
      let members;
      if (kind === 'chatalot') {
        server = await startChatalot({
          timeoutMs: 180_000,
          // Setup only: every simulated member shares 127.0.0.1, and 1,000 registrations go through
          // the auth routes. The per-user send limit stays at its default (10/s).
          env: { REGISTRATION_MODE: 'open', RATE_LIMIT_PER_SECOND: '1000000', AUTH_RATE_LIMIT_PER_SECOND: '1000000', SEND_RATE_PER_SECOND: '10' },
        });
        servers.push(server);
        members = await chatalotMembers(server.url, opts.voters, opts.registerConcurrency, log);
        log(`  ${opts.voters} voter accounts registered and joined in ${fmt(members.setupS, 0)} s`);
      } else {
        server = await startBaseline();
        servers.push(server);
        members = baselineMembers(opts.voters);
      }
      const h = new Harness(kind, server, members, opts);
      harnesses.push(h);
      const connectMs = await h.connect();
      results.setup[kind] = { accountsS: members.setupS, connectMs };
      log(`  ${h.clients} clients connected in ${fmt(connectMs)} ms (${h.workers.length} worker threads)`);
    }

    const runs = Object.fromEntries(harnesses.map((h) => [h.kind, []]));
    for (let r = 0; r < opts.warmup + opts.runs; r++) {
      const measured = r >= opts.warmup;
      for (const h of harnesses) {
        const x = await h.run(r);
        const label = measured ? `run ${r - opts.warmup + 1}/${opts.runs}` : 'warm-up';
        log(
          `  ${h.kind.padEnd(8)} ${label}: ${x.votes} votes; ${x.converged}/${x.clients} clients converged — first ${fmt(x.firstMs)} ms, 50 % ${fmt(x.p50Ms)} ms, 99 % ${fmt(x.p99Ms)} ms, all ${fmt(x.lastMs)} ms; ` +
            `${fmt(x.deliveriesPerSecond)} deliveries/s (${x.voteDeliveries}/${x.expectedDeliveries}); CPU server ${fmt(x.serverCpuMs)} ms (${fmt(x.serverCores, 2)} cores, ${fmt(x.serverCpuUsPerDelivery, 1)} µs/delivery), clients ${fmt(x.benchCpuMs)} ms (${fmt(x.benchCores, 2)}; client threads ${fmt(x.clientJs.workerCpuMs)} ms), others ${fmt(x.otherCores, 2)}; ` +
            `client JS µs: parse ${fmt(x.clientJs.parseUsPerDelivery, 1)} decrypt ${fmt(x.clientJs.decryptUsPerVote, 1)} decode+apply ${fmt(x.clientJs.decodeApplyUsPerVote, 1)}` +
            `${x.wrongTally ? `; ${x.wrongTally} WRONG TALLIES` : ''}${x.timedOut ? `; TIMED OUT (${x.notDone} not done)` : ''}${x.bad ? `; ${x.bad} bad frames` : ''}${x.unexpectedCloses ? `; ${x.unexpectedCloses} sockets closed` : ''}${Object.keys(x.errors).length ? `; errors ${JSON.stringify(x.errors)}` : ''}`,
        );
        if (measured) runs[h.kind].push(x);
        if (x.timedOut) throw new Error(`${h.kind}: run timed out after ${opts.runTimeout} s`);
      }
    }

    const summary = {};
    for (const [kind, xs] of Object.entries(runs)) {
      const pick = (f) => median(xs.map(f));
      summary[kind] = {
        lastMs: pick((x) => x.lastMs),
        lastMsMin: Math.min(...xs.map((x) => x.lastMs)),
        lastMsMax: Math.max(...xs.map((x) => x.lastMs)),
        firstMs: pick((x) => x.firstMs),
        p50Ms: pick((x) => x.p50Ms),
        p99Ms: pick((x) => x.p99Ms),
        deliveriesPerSecond: pick((x) => x.deliveriesPerSecond),
        serverCpuMs: pick((x) => x.serverCpuMs),
        serverCpuUsPerDelivery: pick((x) => x.serverCpuUsPerDelivery),
        workerCpuMs: pick((x) => x.clientJs.workerCpuMs),
        serverCores: pick((x) => x.serverCores),
        benchCpuMs: pick((x) => x.benchCpuMs),
        benchCores: pick((x) => x.benchCores),
        otherCores: pick((x) => x.otherCores),
        parseUs: pick((x) => x.clientJs.parseUsPerDelivery),
        decryptUs: pick((x) => x.clientJs.decryptUsPerVote),
        decodeApplyUs: pick((x) => x.clientJs.decodeApplyUsPerVote),
        perClientJsMs: pick((x) => x.clientJs.perClientJsMs),
        wrongTallies: xs.reduce((a, x) => a + x.wrongTally, 0),
      };
    }
    log(`\n=== results: ${opts.voters} voters + author, median of ${opts.runs} run(s); times from the first vote sent ===`);
    const header = ['server', 'all converged', '(min–max)', 'first', '50 %', '99 %', 'deliveries/s', 'server CPU', 'µs/delivery', 'client CPU', 'others', 'JS µs parse/decrypt/apply', 'JS per client'];
    const rows = [header];
    for (const [kind, s] of Object.entries(summary)) {
      rows.push([
        kind,
        `${fmt(s.lastMs)} ms`,
        `${fmt(s.lastMsMin)}–${fmt(s.lastMsMax)}`,
        `${fmt(s.firstMs)} ms`,
        `${fmt(s.p50Ms)} ms`,
        `${fmt(s.p99Ms)} ms`,
        fmt(s.deliveriesPerSecond),
        `${fmt(s.serverCpuMs)} ms (${fmt(s.serverCores, 2)})`,
        fmt(s.serverCpuUsPerDelivery, 1),
        `${fmt(s.benchCpuMs)} ms (${fmt(s.benchCores, 2)})`,
        fmt(s.otherCores, 2),
        `${fmt(s.parseUs, 1)}/${fmt(s.decryptUs, 1)}/${fmt(s.decodeApplyUs, 1)}`,
        `${fmt(s.perClientJsMs, 1)} ms`,
      ]);
    }
    const widths = header.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    for (const row of rows) log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    if (summary.chatalot && summary.baseline) {
      summary.ratio = summary.chatalot.lastMs / summary.baseline.lastMs;
      log(`chatalot ÷ baseline, time until every client shows the final tally: ${fmt(summary.ratio, 2)}×`);
    }
    log('(server CPU: workerd, or the baseline process, during the window, and per vote envelope delivered; client CPU: this process, i.e. all simulated clients and their TCP; others: the rest of the machine, in cores; JS µs: wall time inside the client handlers per delivery, which includes time the thread was preempted when the machine is saturated)');
    machine.loadAverageAtEnd = loadavg();
    Object.assign(results, { runs, summary });

    const dir = join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `polls-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const { bundle: _bundle, ...shownOpts } = opts;
    writeFileSync(file, JSON.stringify({ bench: 'polls', date: new Date().toISOString(), machine, options: shownOpts, ...results }, null, 2) + '\n');
    log(`\nwrote ${file}`);
  } finally {
    for (const h of harnesses) await h.close().catch(() => {});
    for (const s of servers) await s.stop().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
    killAll('SIGKILL');
  }
}

if (isMainThread) {
  main()
    .catch((e) => {
      console.error(e);
      process.exitCode = 1;
    })
    .finally(() => {
      killAll('SIGKILL');
      // Worker threads and sockets are closed; leave without waiting on stray timers.
      setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
    });
} else {
  workerMain().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
