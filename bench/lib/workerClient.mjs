/**
 * Pieces every bench script shares: its options (`--name=value` or `BENCH_NAME`), the version of a
 * package it ran against, and a worker thread spoken to by request and answer over postMessage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ROOT } from './servers.mjs';

/** A bench option: `--name=value` on the command line, else BENCH_NAME in the environment, else `def`. */
export function option(name, def) {
  const cli = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (cli) return cli.slice(name.length + 3);
  const env = process.env[`BENCH_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`];
  return env ?? def;
}

/** The installed version of `pkg`, for the figures' record; undefined when it is not installed. */
export function versionOf(pkg) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/**
 * A worker thread running `url` with `workerData`. `next(type)` resolves with the next message of
 * that type; `ask(msg, answer)` posts `msg` and resolves with the answer. A worker error is kept
 * in `failure` (and passed to `onError`).
 */
export class WorkerClient {
  constructor(url, workerData, onError = () => undefined) {
    this.worker = new Worker(url, { workerData });
    this.waiting = new Map();
    this.failure = undefined;
    this.worker.on('message', (m) => {
      const w = this.waiting.get(m.type);
      if (w) {
        this.waiting.delete(m.type);
        w(m);
      }
    });
    this.worker.on('error', (e) => {
      this.failure = e;
      onError(e);
    });
    this.ready = this.next('ready');
  }
  next(type) {
    return new Promise((resolve) => this.waiting.set(type, resolve));
  }
  ask(msg, answer) {
    const p = this.next(answer);
    this.worker.postMessage(msg);
    return p;
  }
}
