#!/usr/bin/env node
/**
 * `npm run bench:fanout`: relay fan-out of one channel through the real server (`npm start`,
 * workerd) and, in the same run with the identical client load, through a minimal Node `ws`
 * broadcast server (bench/wsBaseline.mjs). It prints the figures issues 2 and 5 ask for and writes
 * them as JSON to bench/results/fanout-<timestamp>.json. It is never part of `npm test`.
 *
 * For each channel size N (members = 10 senders + N−10 receivers), both servers are started fresh
 * and kept up together, and their bursts are interleaved (chatalot, baseline, chatalot, …) so load
 * from other processes on a shared machine falls on both alike. Per server:
 *   1. memory per idle connection: server RSS (VmRSS of workerd / of the baseline process) after
 *      the first member joined, and again 1 s after the other N−1 joined, divided by N−1;
 *   2. connect time of those N−1 members (handshakes in parallel, bounded concurrency);
 *   3. throughput (repeated, median reported): the 10 senders send 200-byte ciphertexts
 *      round-robin, keeping at most `window` messages not yet delivered to everyone in flight,
 *      for a fixed number of messages (or 20 s): deliveries/s = envelopes received by all
 *      sockets (one per envelope, batched or not) / (last receive − first send), p50/p95/p99 send→receive latency over every
 *      delivery, and server CPU per delivery;
 *   4. latency at a fixed 5 messages/s for 10 s: p50/p95/p99 send→receive;
 *   5. zero loss: every socket saw seq 1…head exactly once and in order (its own sends as acks).
 * `--idle=10000` additionally connects that many idle members to one chatalot channel, measures
 * memory per connection and checks that a few messages reach all of them (on each server of
 * `--idleServers`, default chatalot).
 *
 * The receivers live in worker threads (`--workers`, default 1) that read only `type`, `seq` and
 * the send timestamp embedded in the clientMsgId straight from the frame bytes, because the
 * client shares the machine's 2 cores with the server. Everything is loopback only and bounded
 * in messages and time; all server processes are killed at the end, also on error or Ctrl-C.
 *
 * Options (CLI `--name=value`, or env BENCH_NAME): sizes=100,1000,3000 servers=chatalot,baseline
 * (also `chatalot-v1`: the same server with sockets that offer only chatalot.v1, so envelopes are
 * never coalesced — the relay as it was before issue #18, measured in the same run; and
 * `chatalot-sharded`: every socket on a relay shard of `shardSize` sockets, issue #18 item 5.
 * `chatalot` and `chatalot-v1` keep every socket on the channel's room, whatever its size)
 * senders=10 payload=200 window=10 deliveries=1000000 repeats=3 warmup=100 rate=5 rateSeconds=10
 * phaseSeconds=20 workers=1 concurrency=200 idle=0
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { baselineAccess, chatalotAccess } from './lib/access.mjs';
import { connectMember } from './lib/connect.mjs';
import { OrderCheck, eachEnvelope, frameKind, merge, newHistogram, nowUs, parseEnvelope, percentiles, record, sentUsOf, seqOf } from './lib/measure.mjs';
import { ROOT, cpuMs, killAll, machineBusyMs, rssKiB, startBaseline, startChatalot } from './lib/servers.mjs';
import { WorkerClient, option, versionOf } from './lib/workerClient.mjs';

const list = (s) => String(s).split(',').map((x) => x.trim()).filter(Boolean);

const opts = {
  sizes: list(option('sizes', '100,1000,3000')).map(Number),
  servers: list(option('servers', 'chatalot,baseline')),
  senders: Number(option('senders', 10)),
  payload: Number(option('payload', 200)),
  window: Number(option('window', 10)),
  deliveries: Number(option('deliveries', 1_000_000)),
  repeats: Number(option('repeats', 3)),
  warmup: Number(option('warmup', 100)),
  rate: Number(option('rate', 5)),
  rateSeconds: Number(option('rateSeconds', 10)),
  phaseSeconds: Number(option('phaseSeconds', 20)),
  drainSeconds: 10,
  workers: Number(option('workers', 1)),
  concurrency: Number(option('concurrency', 200)),
  idle: Number(option('idle', 0)),
  idleServers: list(option('idleServers', 'chatalot')),
  shardSize: Number(option('shardSize', 1000)),
};
for (const n of opts.sizes) if (!Number.isInteger(n) || n <= opts.senders) throw new Error(`every size must be an integer above senders (${opts.senders}); got ${n}`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const log = (line) => console.log(line);

/** Base64 of random bytes, as a client's sealed envelope would be; a pool so sending costs nothing. */
const CIPHERTEXTS = Array.from({ length: 64 }, () => randomBytes(opts.payload).toString('base64'));

/** One measured server at one channel size: its members, senders and phases. */
class Harness {
  constructor(server, n, access) {
    this.server = server;
    this.n = n;
    this.url = server.channelUrl(access.channelId);
    this.protocols = access.protocols;
    // How every member obtains its credentials before the upgrade (see lib/connect.mjs).
    this.credentials = async () => ({ protocols: this.protocols });
    this.senderCount = opts.senders;
    this.receiverCount = n - opts.senders;
    this.shared = new SharedArrayBuffer(4 * Math.max(1, opts.workers));
    this.counts = new Int32Array(this.shared);
    this.workers = Array.from({ length: Math.max(1, opts.workers) }, (_, i) => new WorkerClient(new URL('./lib/receiverWorker.mjs', import.meta.url), { slot: i, shared: this.shared }));
    this.senders = [];
    this.senderOrder = new OrderCheck(this.senderCount);
    this.senderAlive = new Uint8Array(this.senderCount);
    this.hist = newHistogram();
    // send→ack at the sender: the server's own turn (validation, the durable write) before fan-out.
    this.ackHist = newHistogram();
    this.mainTotal = 0;
    this.mainPhase = 0;
    this.lastRecvUs = 0;
    this.sent = 0;
    this.onAck = () => {};
    this.closing = false;
    this.unexpectedCloses = 0;
  }

  /** Deliveries received by every socket so far (cumulative). */
  delivered() {
    let d = this.mainTotal;
    for (let i = 0; i < this.counts.length; i++) d += Atomics.load(this.counts, i);
    return d;
  }

  /** An envelope a sender received (someone else's message) in buf[start, end). */
  senderEnvelope(s, buf, start, end) {
    const now = nowUs();
    const e = parseEnvelope(buf, start, end);
    this.senderOrder.see(s, e.seq);
    record(this.hist, now - e.sentUs);
    this.lastRecvUs = now;
    this.mainTotal++;
    this.mainPhase++;
  }

  async connectSender(s) {
    const ws = await connectMember(this.url, {
      credentials: this.credentials,
      onMessage: (buf) => {
        const kind = frameKind(buf);
        if (kind === 2) {
          this.senderOrder.see(s, seqOf(buf));
          const sentUs = sentUsOf(buf);
          if (sentUs > 0) record(this.ackHist, nowUs() - sentUs);
          this.onAck();
        } else if (kind === 1) {
          this.senderEnvelope(s, buf, 0, buf.length);
        } else if (kind === 3) {
          eachEnvelope(buf, 0, buf.length, (start, end) => this.senderEnvelope(s, buf, start, end));
        }
      },
    });
    this.senderAlive[s] = 1;
    ws.on('close', () => {
      this.senderAlive[s] = 0;
      if (!this.closing) this.unexpectedCloses++;
    });
    this.senders[s] = ws;
  }

  /**
   * Connects senders 1… and all receivers in parallel, in two halves: `between()` runs after the
   * first half (senders and half the receivers) joined and before the second half starts, so the
   * bench can read the server's memory there. Resolves with counts, the wall time of both halves
   * and the number connected in the second.
   */
  async connectRest(between = async () => {}) {
    await Promise.all(this.workers.map((w) => w.ready));
    const per = Math.ceil(this.receiverCount / this.workers.length);
    const shares = this.workers.map((_, i) => Math.max(0, Math.min(per, this.receiverCount - i * per)));
    const part = (from, counts) =>
      Promise.all(
        this.workers.map((w, i) =>
          w.ask({ cmd: 'connect', url: this.url, protocols: this.protocols, from: from[i], total: shares[i], count: counts[i], concurrency: Math.ceil(opts.concurrency / this.workers.length) }, 'connected'),
        ),
      );
    const firstHalf = shares.map((c) => c >> 1);
    let started = nowUs();
    const [first] = await Promise.all([part(shares.map(() => 0), firstHalf), Promise.all(Array.from({ length: this.senderCount - 1 }, (_, i) => this.connectSender(i + 1)))]);
    let ms = (nowUs() - started) / 1000;
    await between();
    started = nowUs();
    const second = await part(firstHalf, shares.map((c, i) => c - firstHalf[i]));
    ms += (nowUs() - started) / 1000;
    const receivers = [...first, ...second];
    const failed = receivers.reduce((a, r) => a + r.failed, 0);
    return {
      ms,
      connected: this.senderCount + receivers.reduce((a, r) => a + r.ok, 0),
      connectedSecond: second.reduce((a, r) => a + r.ok, 0),
      failed,
      errors: receivers.flatMap((r) => r.errors),
    };
  }

  sendOne() {
    const s = this.sent % this.senderCount;
    const id = `${nowUs()}_${s}_${this.sent}`;
    this.senders[s].send(`{"type":"send","franking":"RnJhbmtpbmctY29tbWl0bWVudC1zdGFuZC1pbi0wMDA","clientMsgId":"${id}","ciphertext":"${CIPHERTEXTS[this.sent % CIPHERTEXTS.length]}"}`);
    this.sent++;
  }

  async reset() {
    this.hist.fill(0);
    this.ackHist.fill(0);
    this.mainPhase = 0;
    this.lastRecvUs = 0;
    await Promise.all(this.workers.map((w) => w.ask({ cmd: 'reset' }, 'reset')));
  }

  /** Waits until everything sent reached everyone, or the deadline (µs). Returns whether it drained. */
  async drain(deadlineUs) {
    const expected = this.sent * (this.n - 1);
    while (this.delivered() < expected) {
      if (nowUs() > deadlineUs) return false;
      await sleep(2);
    }
    return true;
  }

  snapshot() {
    return { us: nowUs(), server: cpuMs(this.server.serverPid), client: process.cpuUsage(), machine: machineBusyMs() };
  }

  async collect(startUs, snap) {
    const wallMs = (nowUs() - snap.us) / 1000;
    const serverCpuMs = cpuMs(this.server.serverPid) - snap.server;
    const clientCpu = process.cpuUsage(snap.client);
    const clientCpuMs = (clientCpu.user + clientCpu.system) / 1000;
    const otherCores = (machineBusyMs() - snap.machine - serverCpuMs - clientCpuMs) / wallMs;
    const reports = await Promise.all(this.workers.map((w) => w.ask({ cmd: 'report', head: this.sent }, 'report')));
    const hist = this.hist.slice();
    let deliveries = this.mainPhase;
    let last = this.lastRecvUs;
    for (const r of reports) {
      merge(hist, r.hist);
      deliveries += r.deliveries;
      last = Math.max(last, r.lastRecvUs);
    }
    const seconds = (last - startUs) / 1e6;
    const lat = percentiles(hist, [50, 95, 99]);
    const ack = percentiles(this.ackHist, [50, 99]);
    return {
      ackP50: ack.p50,
      ackP99: ack.p99,
      deliveries,
      seconds,
      deliveriesPerSecond: deliveries / seconds,
      p50: lat.p50,
      p95: lat.p95,
      p99: lat.p99,
      maxMs: lat.max,
      serverCpuUsPerDelivery: (serverCpuMs * 1000) / deliveries,
      clientCpuUsPerDelivery: (clientCpuMs * 1000) / deliveries,
      serverCores: serverCpuMs / wallMs,
      clientCores: clientCpuMs / wallMs,
      // CPU used by everything else on the machine meanwhile (other users' jobs): when it is not
      // near 0 the figures are depressed by contention, not by the servers.
      otherCores,
    };
  }

  /** Sends `messages` as fast as the window allows (bounded by phaseSeconds), waits for delivery. */
  async burst(messages, window) {
    await this.reset();
    const snap = this.snapshot();
    const startUs = nowUs();
    const stopUs = startUs + opts.phaseSeconds * 1e6;
    const target = this.sent + messages;
    const perMessage = this.n - 1;
    const limit = window * perMessage;
    let timer;
    await new Promise((resolve) => {
      const pump = () => {
        while (this.sent < target && this.sent * perMessage - this.delivered() < limit && nowUs() < stopUs) this.sendOne();
        if (this.sent >= target || nowUs() >= stopUs) {
          this.onAck = () => {};
          clearInterval(timer);
          resolve();
        }
      };
      this.onAck = pump;
      timer = setInterval(pump, 1);
      pump();
    });
    const sentHere = messages - (target - this.sent);
    const drained = await this.drain(nowUs() + opts.drainSeconds * 1e6);
    return { messages: sentHere, drained, ...(await this.collect(startUs, snap)) };
  }

  /** Sends at a fixed `rate` messages/s for `seconds`, then waits for delivery. */
  async fixedRate(rate, seconds) {
    await this.reset();
    const snap = this.snapshot();
    const startUs = nowUs();
    const count = Math.round(rate * seconds);
    const intervalUs = 1e6 / rate;
    for (let k = 0; k < count; k++) {
      const due = startUs + k * intervalUs;
      const wait = (due - nowUs()) / 1000;
      if (wait > 0) await sleep(wait);
      this.sendOne();
    }
    const drained = await this.drain(nowUs() + opts.drainSeconds * 1e6);
    return { messages: count, drained, ...(await this.collect(startUs, snap)) };
  }

  /** Zero-loss check over everything sent on this channel. */
  async lossCheck() {
    const reports = await Promise.all(this.workers.map((w) => w.ask({ cmd: 'report', head: this.sent }, 'report')));
    const parts = [this.senderOrder.summary(this.sent, (i) => this.senderAlive[i] === 1), ...reports.map((r) => r.order).filter(Boolean)];
    const sum = (k) => parts.reduce((a, p) => a + p[k], 0);
    const closes = this.unexpectedCloses + reports.reduce((a, r) => a + r.unexpectedCloses, 0);
    const r = {
      head: this.sent,
      socketsBehind: sum('behind'),
      gaps: sum('gaps'),
      dupesOrReordered: sum('dupes'),
      unexpectedCloses: closes,
      minSeqSeen: Math.min(...parts.map((p) => p.minSeq)),
    };
    r.zeroLoss = r.socketsBehind === 0 && r.gaps === 0 && r.dupesOrReordered === 0 && r.unexpectedCloses === 0;
    return r;
  }

  async close() {
    this.closing = true;
    for (const ws of this.senders) ws?.terminate();
    await Promise.all(
      this.workers.map(async (w) => {
        await Promise.race([w.ask({ cmd: 'close' }, 'closed'), sleep(5000)]);
        await w.worker.terminate();
      }),
    );
  }
}

/** Sharded fan-out for `chatalot-sharded` (every socket on a shard of opts.shardSize); every socket on the room otherwise. */
function shardingEnv(kind) {
  return kind === 'chatalot-sharded' ? { CHANNEL_SHARD_THRESHOLD: '0', CHANNEL_SHARD_SIZE: String(opts.shardSize) } : { CHANNEL_SHARD_THRESHOLD: '1000000' };
}

/** Starts a fresh server of `kind` and joins `n` members, measuring memory and connect time. */
async function openServer(kind, n) {
  const result = { server: kind, n };
  let server;
  try {
    // Without CHATALOT_SKIP_BUILD, start.mjs rebuilds dist/ only when sources changed (as `npm start`).
    server = kind.startsWith('chatalot') ? await startChatalot({ skipBuild: false, timeoutMs: 180_000, env: shardingEnv(kind) }) : await startBaseline();
  } catch (e) {
    result.error = e.message.split('\n').slice(0, 6).join('\n');
    log(`  ${kind.padEnd(11)} N=${n}: ERROR starting: ${result.error}`);
    return { result };
  }
  let h;
  const close = async () => {
    await h?.close();
    await server.stop();
  };
  try {
    // chatalot authenticates sockets: register an owner, create a community, use its first channel.
    // chatalot-v1: the same server, its sockets offering only chatalot.v1 (one frame per envelope, no coalescing).
    h = new Harness(server, n, kind.startsWith('chatalot') ? await chatalotAccess(server.url, { batched: kind !== 'chatalot-v1' }) : baselineAccess(n));
  } catch (e) {
    result.error = `setting up access: ${e.message}`;
    log(`  ${kind.padEnd(11)} N=${n}: ERROR ${result.error}`);
    await close();
    return { result };
  }
  try {
    await h.connectSender(0); // the channel (and, for chatalot, its Durable Object) now exists
    await sleep(500);
    const rssBefore = rssKiB(server.serverPid);
    let rssHalf = NaN;
    const conn = await h.connectRest(async () => {
      await sleep(1000);
      rssHalf = rssKiB(server.serverPid);
    });
    result.connectMs = conn.ms;
    result.connected = conn.connected;
    result.connectFailures = conn.failed;
    if (conn.failed) result.connectErrors = conn.errors;
    await sleep(1000);
    const rssAfter = rssKiB(server.serverPid);
    result.rssBeforeKiB = rssBefore;
    result.rssHalfKiB = rssHalf;
    result.rssAfterKiB = rssAfter;
    // Everything the server grew by after its first member, over the N − 1 others: this includes
    // what a process grows by once when it gets busy (the JavaScript heap's young generation
    // filled by the joins' garbage, compiled code, caches), so it falls as N grows.
    result.memPerConnKiB = (rssAfter - rssBefore) / (conn.connected - 1);
    // The cost of one more member once the server is warm: growth over the second half only.
    result.marginalKiB = (rssAfter - rssHalf) / conn.connectedSecond;
    log(`  ${kind.padEnd(11)} N=${n}: ${conn.connected}/${n} connected in ${fmt(conn.ms)} ms${conn.failed ? ` (${conn.failed} failed: ${conn.errors[0]})` : ''}; RSS ${fmt(rssBefore / 1024, 1)} → ${fmt(rssHalf / 1024, 1)} (half) → ${fmt(rssAfter / 1024, 1)} MiB = ${fmt(result.memPerConnKiB, 1)} KiB/conn, ${fmt(result.marginalKiB, 1)} KiB per conn of the second half`);
    if (conn.failed) throw new Error(`${conn.failed} of ${n} sockets failed to connect (first: ${conn.errors[0]}); check ulimit -n`);
    return { result, h, close };
  } catch (e) {
    result.error = e.message;
    await close();
    return { result };
  }
}

/**
 * Runs every phase at size `n` on each of `kinds`, with both servers up at once and their bursts
 * interleaved (chatalot, baseline, chatalot, …), so that load from other processes on a shared
 * machine falls on both alike. Stops every server it started.
 */
async function runSize(kinds, n, { repeats = opts.repeats, rateSeconds = opts.rateSeconds } = {}) {
  const open = [];
  try {
    for (const kind of kinds) open.push(await openServer(kind, n));
    const live = open.filter((o) => o.h);
    const messages = Math.max(50, Math.min(50_000, Math.ceil(opts.deliveries / (n - 1))));
    const guard = async (o, what, fn) => {
      if (o.result.error) return;
      try {
        await fn();
      } catch (e) {
        o.result.error = `${what}: ${e.message}`;
        log(`    ${o.result.server} ERROR in ${what}: ${e.message}`);
      }
    };
    if (repeats > 0) {
      for (const o of live) await guard(o, 'warm-up', () => (opts.warmup > 0 ? o.h.burst(Math.min(opts.warmup, messages), opts.window) : undefined));
      for (const o of live) o.result.runs = [];
      for (let r = 0; r < repeats; r++) {
        for (const o of live) {
          await guard(o, 'burst', async () => {
            const run = await o.h.burst(messages, opts.window);
            o.result.runs.push(run);
            log(`    ${o.result.server.padEnd(11)} burst ${r + 1}/${repeats}: ${run.messages} msgs, ${fmt(run.deliveriesPerSecond)} deliveries/s, p50 ${fmt(run.p50, 1)} p95 ${fmt(run.p95, 1)} p99 ${fmt(run.p99, 1)} ms, CPU µs/delivery server ${fmt(run.serverCpuUsPerDelivery, 2)} client ${fmt(run.clientCpuUsPerDelivery, 2)}; cores server ${fmt(run.serverCores, 2)} client ${fmt(run.clientCores, 2)} others ${fmt(run.otherCores, 2)}${run.drained ? '' : ' (NOT DRAINED)'}`);
          });
        }
      }
      for (const o of live) {
        const runs = o.result.runs;
        if (!runs?.length) continue;
        const pick = (k) => median(runs.map((x) => x[k]));
        Object.assign(o.result, {
          deliveriesPerSecond: pick('deliveriesPerSecond'),
          bestDeliveriesPerSecond: Math.max(...runs.map((x) => x.deliveriesPerSecond)),
          p50: pick('p50'),
          p95: pick('p95'),
          p99: pick('p99'),
          serverCpuUsPerDelivery: pick('serverCpuUsPerDelivery'),
          clientCpuUsPerDelivery: pick('clientCpuUsPerDelivery'),
          otherCores: pick('otherCores'),
        });
      }
    }
    if (rateSeconds > 0) {
      for (const o of live) {
        await guard(o, 'fixed rate', async () => {
          const rr = await o.h.fixedRate(opts.rate, rateSeconds);
          o.result.rate = rr;
          log(`    ${o.result.server.padEnd(11)} ${opts.rate} msg/s for ${rateSeconds} s: p50 ${fmt(rr.p50, 1)} p95 ${fmt(rr.p95, 1)} p99 ${fmt(rr.p99, 1)} ms (max ${fmt(rr.maxMs, 1)}; send→ack p50 ${fmt(rr.ackP50, 1)} p99 ${fmt(rr.ackP99, 1)}), ${rr.deliveries} deliveries, others ${fmt(rr.otherCores, 2)} cores${rr.drained ? '' : ' (NOT DRAINED)'}`);
        });
      }
    }
    for (const o of live) {
      await guard(o, 'loss check', async () => {
        const loss = await o.h.lossCheck();
        o.result.loss = loss;
        log(`    ${o.result.server.padEnd(11)} loss check: ${loss.zeroLoss ? 'zero loss' : 'LOSS'} — head ${loss.head}, ${loss.socketsBehind} sockets behind, ${loss.gaps} gaps, ${loss.dupesOrReordered} dupes/reordered, ${loss.unexpectedCloses} unexpected closes`);
      });
    }
    return open.map((o) => o.result);
  } finally {
    for (const o of open) await o.close?.();
  }
}

async function main() {
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, workerd: versionOf('workerd'), ws: versionOf('ws') };
  log(`fan-out bench: sizes ${opts.sizes.join(', ')}; ${opts.senders} senders, ${opts.payload}-byte ciphertexts (${CIPHERTEXTS[0].length} base64 chars), window ${opts.window} msgs, ${opts.repeats} bursts of ~${fmt(opts.deliveries)} deliveries, ${opts.rate} msg/s for ${opts.rateSeconds} s; ${opts.workers} receiver worker(s); ${machine.cpus} cores (${machine.cpuModel}), node ${machine.node}, workerd ${machine.workerd}`);
  log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  machine.loadAverageAtStart = loadavg();
  const rows = [];
  for (const n of opts.sizes) {
    const row = { n };
    log(`N=${n}`);
    for (const r of await runSize(opts.servers, n)) row[r.server] = r;
    if (row.chatalot && row.baseline) {
      row.ratio = row.chatalot.deliveriesPerSecond / row.baseline.deliveriesPerSecond;
      // Less sensitive to other load on the machine than the throughput ratio: server CPU per delivery.
      row.cpuRatio = row.baseline.serverCpuUsPerDelivery / row.chatalot.serverCpuUsPerDelivery;
    }
    rows.push(row);
  }
  const idle = [];
  if (opts.idle > 0) {
    for (const kind of opts.idleServers) {
      log(`idle hold: ${opts.idle} members in one ${kind} channel`);
      idle.push(...(await runSize([kind], opts.idle, { repeats: 0, rateSeconds: 2 })));
    }
  }

  log('\n=== results (throughput: median of bursts; latency under full load; fixed-rate latency separately) ===');
  for (const { n, chatalot: c, baseline: b, ratio, cpuRatio } of rows) {
    const part = (x) => (x.error && !x.deliveriesPerSecond ? `error: ${x.error}` : `${fmt(x.deliveriesPerSecond)} deliveries/s p50 ${fmt(x.p50, 1)} ms p95 ${fmt(x.p95, 1)} ms p99 ${fmt(x.p99, 1)} ms`);
    log(`N=${n}${c ? ` chatalot: ${part(c)}` : ''}${b ? ` | ws baseline: ${fmt(b.deliveriesPerSecond)}/s p99 ${fmt(b.p99, 1)} ms` : ''}${ratio ? ` | ratio ${fmt(ratio, 2)} (by server CPU per delivery ${fmt(cpuRatio, 2)})` : ''}${c?.rate ? ` | ${opts.rate} msg/s p99 ${fmt(c.rate.p99, 1)} ms` : ''}${c ? ` | ${fmt(c.memPerConnKiB, 1)} KiB/idle conn, ${fmt(c.connectMs)} ms to connect ${c.connected}` : ''}`);
  }
  log('');
  const header = ['N', 'server', 'deliv/s', 'best/s', 'p50 ms', 'p95 ms', 'p99 ms', 'srv µs/deliv', 'others', `${opts.rate}/s p50`, `${opts.rate}/s p99`, `${opts.rate}/s ack p50`, 'KiB/conn', 'KiB marginal', 'connect ms', 'loss'];
  const table = [header];
  const add = (x) =>
    table.push([
      String(x.n),
      x.server,
      fmt(x.deliveriesPerSecond),
      fmt(x.bestDeliveriesPerSecond),
      fmt(x.p50, 1),
      fmt(x.p95, 1),
      fmt(x.p99, 1),
      fmt(x.serverCpuUsPerDelivery, 2),
      fmt(x.otherCores, 2),
      fmt(x.rate?.p50, 1),
      fmt(x.rate?.p99, 1),
      fmt(x.rate?.ackP50, 1),
      fmt(x.memPerConnKiB, 1),
      fmt(x.marginalKiB, 1),
      fmt(x.connectMs),
      x.loss ? (x.loss.zeroLoss ? 'zero' : 'LOSS') : 'n/a',
    ]);
  for (const r of rows) for (const x of [r.chatalot, r['chatalot-v1'], r['chatalot-sharded'], r.baseline]) if (x) add(x);
  for (const x of idle) add(x);
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) log(row.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  log(`(deliv/s, p50–p99, srv µs/deliv, others: medians of the bursts; best/s: the best burst; others = cores busy with other processes during the bursts; ${opts.rate}/s = the fixed-rate run, its ack p50 the send→ack time at the sender; KiB/conn = RSS growth after the first member over the N − 1 others, KiB marginal = growth over the second half of the joins only)`);
  machine.loadAverageAtEnd = loadavg();

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `fanout-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ bench: 'fanout', date: new Date().toISOString(), machine, options: opts, rows, idle }, null, 2) + '\n');
  log(`\nwrote ${file}`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    killAll('SIGKILL');
    // Worker threads and sockets are closed; exit even if a stray handle lingers.
    setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
  });
