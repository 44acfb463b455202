/**
 * The workerd process behind a test server, for the resource tests (SECURITY-TESTS D1, D2): its
 * pid, found by walking the process tree from `npm start`, and its resident memory from /proc.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { RunningServer } from '../helpers/server';

/** Pids below `server`'s npm process whose command line matches `needle`. */
export function descendants(server: RunningServer, needle: RegExp): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3]! }));
  const below = new Set([server.child.pid!]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) if (below.has(r.ppid) && !below.has(r.pid)) (below.add(r.pid), (grew = true));
  }
  return rows.filter((r) => below.has(r.pid) && needle.test(r.args)).map((r) => r.pid);
}

/** The pid of the main workerd (the one serving http, not the password hasher) below `server`'s npm process. */
export function workerdPid(server: RunningServer): number {
  const [pid] = descendants(server, /workerd.*config\.capnp/);
  if (pid === undefined) throw new Error('no workerd process below the test server');
  return pid;
}

/** Resident set size of `pid` in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}
