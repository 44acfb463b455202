/**
 * Starts the real server the way an operator does (`npm start`) on a free port with its own
 * DATA_DIR, and stops it cleanly or kills it hard. Used by the smoke, HTTP and relay tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../scripts/build.mjs';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningServer {
  url: string;
  wsUrl: string;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  /** Ctrl-C: SIGINT to npm's process group, as a terminal would send it. Resolves with how it ended. */
  stop(): Promise<Exit>;
  /** SIGKILL to the whole process group: a crash or power cut. */
  kill(): Promise<void>;
}

export function tempDataDir(prefix = 'chatalot-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs `npm start` and resolves when it prints the address it serves, or rejects with its output. */
export function startServer(options: { dataDir?: string; env?: Record<string, string>; timeoutMs?: number; /** another checkout to run (an earlier release, for the upgrade fixture) */ root?: string } = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? tempDataDir();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: options.root ?? ROOT,
    detached: true,
    // Tests hammer one server from one IP and account; the rate-limit and socket-cap tests set realistic limits themselves.
    env: { ...process.env, LISTEN_ADDR: '127.0.0.1:0', DATA_DIR: dataDir, CHATALOT_SKIP_BUILD: '1', RATE_LIMIT_PER_SECOND: '100000', AUTH_RATE_LIMIT_PER_SECOND: '100000', SEND_RATE_PER_SECOND: '100000', MAX_SOCKETS_PER_ACCOUNT: '1000000', MAX_SOCKETS_PER_IP: '1000000', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<Exit>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signalGroup('SIGKILL');
      reject(new Error(`server did not start in time:\n${out}`));
    }, options.timeoutMs ?? 60_000);
    const onData = () => {
      const m = /serving (https?:\/\/[^\s]+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const url = m[1]!;
      resolve({
        url,
        wsUrl: url.replace(/^http/, 'ws'),
        dataDir,
        child,
        output: () => out,
        stop: async () => {
          signalGroup('SIGINT');
          return exited;
        },
        kill: async () => {
          signalGroup('SIGKILL');
          await exited;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`server exited with ${code} before serving:\n${out}`), { code, output: out }));
    });
  });
}

/** Runs `npm start` expecting it to fail; resolves with its exit code and output. */
export async function startExpectingFailure(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; output: string }> {
  try {
    const s = await startServer({ env, timeoutMs });
    await s.stop();
    throw new Error(`server started although it should not have:\n${s.output()}`);
  } catch (e) {
    const err = e as { code?: number | null; output?: string; message: string };
    if (err.output === undefined) throw e;
    return { code: err.code ?? null, output: err.output };
  }
}
