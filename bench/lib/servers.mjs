/**
 * Starting and stopping the servers a bench measures, and reading their memory and CPU from
 * /proc: the real `npm start` process (selfhost/start.mjs, which runs workerd as its child) and
 * the minimal Node `ws` broadcast server used as the baseline (bench/wsBaseline.mjs).
 *
 * Every server is spawned `detached` in its own process group and remembered, so one call to
 * `killAll()` (also run on exit and on Ctrl-C) removes everything a bench started, even after an
 * error. It does not measure anything itself beyond reading /proc.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Clock ticks per second for utime/stime in /proc/<pid>/stat (100 on every Linux we target). */
const CLK_TCK = 100;

const groups = new Set();
let hooked = false;

function hookCleanup() {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAll('SIGKILL'));
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      killAll('SIGKILL');
      process.exit(130);
    });
  }
}

/** Sends `signal` to every process group a bench started and has not yet seen exit. */
export function killAll(signal = 'SIGKILL') {
  for (const pid of groups) {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }
}

/** A free TCP port on 127.0.0.1 (bound and released; racy only against other processes). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'chatalot-bench-') {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}

/** Resident set size of `pid` in KiB (VmRSS), or NaN when it is gone. */
export function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** User + system CPU time of `pid` (all its threads) in milliseconds. */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" closing the command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** CPU time all processes of the machine spent busy (user, system, irq, steal), in ms. */
export function machineBusyMs() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Direct children of `pid`, read from /proc (what `pgrep -P` prints). */
export function childPids(pid) {
  const out = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (list) out.push(...list.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/** The command line of `pid`, arguments joined by spaces. */
function argsOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Spawns `command` (a bash line, so the fd limit can be raised first) in its own process group
 * and returns a handle whose `stop()` sends SIGINT, then SIGKILL after `graceMs`.
 */
export function spawnGroup(line, { env, cwd = ROOT } = {}) {
  hookCleanup();
  // 3,000+ sockets need as many descriptors: raise the soft limit to the hard one.
  const child = spawn('bash', ['-c', `ulimit -n $(ulimit -Hn) 2>/dev/null; exec ${line}`], {
    cwd,
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  groups.add(child.pid);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      groups.delete(child.pid);
      resolve({ code, signal });
    }),
  );
  const signalGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // gone
    }
  };
  return {
    child,
    pid: child.pid,
    output: () => out,
    exited,
    signalGroup,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      signalGroup('SIGINT');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(timer);
      // workerd is in the same group; make sure nothing of it outlives start.mjs.
      signalGroup('SIGKILL');
      return r;
    },
  };
}

/** Resolves with the first match of `re` in the process's output, or rejects on exit/timeout. */
export function waitForOutput(handle, re, timeoutMs) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(handle.output());
      if (m) {
        cleanup();
        resolve(m);
      }
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`server exited (${code}) before it was ready:\n${handle.output()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`server not ready within ${timeoutMs} ms:\n${handle.output()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      handle.child.stdout.off('data', check);
      handle.child.stderr.off('data', check);
      handle.child.off('exit', onExit);
    };
    handle.child.stdout.on('data', check);
    handle.child.stderr.on('data', check);
    handle.child.once('exit', onExit);
    check();
  });
}

/**
 * Runs `node selfhost/start.mjs` (what `npm start` runs) on a free port with a fresh DATA_DIR
 * (unless one is given) and resolves once it prints that it serves, i.e. /api/health is OK.
 * `serverPid` is the workerd child, the process whose memory and CPU the benches report.
 */
export async function startChatalot({ dataDir, skipBuild = true, env = {}, timeoutMs = 60_000 } = {}) {
  const ownDir = dataDir === undefined;
  const dir = dataDir ?? tempDir('chatalot-bench-data-');
  const handle = spawnGroup('node selfhost/start.mjs', {
    env: {
      LISTEN_ADDR: '127.0.0.1:0',
      DATA_DIR: dir,
      // Every bench member connects from 127.0.0.1, so the per-IP limit (default 20/s) would
      // refuse all but the first few thousand-socket joins; a real channel's members have many IPs.
      RATE_LIMIT_PER_SECOND: '1000000',
      // Every bench socket is the same user (see access.mjs), and the senders push thousands of
      // envelopes a second to saturate the relay; the per-user send limit (default 10/s) is a
      // fairness policy, not relay capacity, so it is lifted here.
      SEND_RATE_PER_SECOND: '1000000',
      MAX_SOCKETS_PER_ACCOUNT: '10000000',
      MAX_SOCKETS_PER_IP: '10000000',
      ...(skipBuild ? { CHATALOT_SKIP_BUILD: '1' } : {}),
      ...env,
    },
  });
  let m;
  try {
    m = await waitForOutput(handle, /serving (http:\/\/[^\s]+)/, timeoutMs);
  } catch (e) {
    await handle.stop();
    if (ownDir) removeDir(dir);
    throw e;
  }
  const url = m[1];
  // start.mjs runs two workerd processes: the server (config.capnp) and the password hasher.
  const workerd = childPids(handle.pid).find((p) => commOf(p) === 'workerd' && argsOf(p).includes('config.capnp')) ?? childPids(handle.pid)[0];
  if (!workerd) throw new Error('could not find the workerd child of start.mjs');
  return {
    kind: 'chatalot',
    url,
    wsBase: url.replace(/^http/, 'ws'),
    pid: handle.pid,
    serverPid: workerd,
    output: handle.output,
    channelUrl: (id) => `${url.replace(/^http/, 'ws')}/ws/channels/${id}`,
    async stop() {
      const r = await handle.stop();
      if (ownDir) removeDir(dir);
      return r;
    },
  };
}

/** Runs bench/wsBaseline.mjs on a free port and resolves once it listens. */
export async function startBaseline({ timeoutMs = 10_000 } = {}) {
  const handle = spawnGroup(`node ${join(ROOT, 'bench/wsBaseline.mjs')} --port=0`);
  const m = await waitForOutput(handle, /listening on (ws:\/\/[^\s]+)/, timeoutMs);
  const base = m[1];
  return {
    kind: 'ws-baseline',
    url: base.replace(/^ws/, 'http'),
    wsBase: base,
    pid: handle.pid,
    serverPid: handle.pid,
    output: handle.output,
    channelUrl: (id) => `${base}/ws/channels/${id}`,
    stop: () => handle.stop(),
  };
}
