#!/usr/bin/env node
/**
 * The long tasks of a page load, read from a trace `bench:lighthouse --trace` wrote, unthrottled:
 * each task of the page's main thread longer than --min ms (12.5 by default: Lighthouse's mobile
 * preset runs the CPU 4× slower, so a task over 12.5 ms here is over 50 ms there and counts in
 * Total Blocking Time), with the functions V8 sampled in it, by self time.
 *
 * A CPU budget read this way compares across machines better than the Lighthouse score, which
 * moves 10–15 points between this project's machines for the same client. Built with
 * `CHATALOT_SOURCEMAP=1 npm run build`, the functions are named by their source file and line.
 *
 *   node bench/longtasks.mjs bench/results/lighthouse-chat-screen-mobile.trace.json [--min=12.5] [--top=6] [--inclusive]
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const file = process.argv[2];
if (!file) throw new Error('usage: node bench/longtasks.mjs TRACE.json [--min=12.5] [--top=6]');
const option = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const MIN_MS = option('min', 12.5);
const TOP = option('top', 6);
// --inclusive: also each of the app's own functions (client/src) by the time spent in it and
// in what it called, so a component's whole render shows up and not only its leaf calls.
const INCLUSIVE = process.argv.includes('--inclusive');

const trace = JSON.parse(readFileSync(file, 'utf8'));
const events = Array.isArray(trace) ? trace : trace.traceEvents;

// The page's renderer main thread: the CrRendererMain with the most tasks (the audited page's).
const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
const taskCount = (t) => events.filter((e) => e.name === 'RunTask' && e.pid === t.pid && e.tid === t.tid).length;
const main = mains.map((t) => ({ t, n: taskCount(t) })).sort((a, b) => b.n - a.n)[0]?.t;
if (!main) throw new Error('no renderer main thread in this trace');
const onMain = (e) => e.pid === main.pid && e.tid === main.tid;

const fcp = events.find((e) => e.name === 'firstContentfulPaint' && e.pid === main.pid)?.ts ?? 0;
const tasks = events.filter((e) => onMain(e) && e.name === 'RunTask' && e.ph === 'X' && e.dur / 1000 > MIN_MS).sort((a, b) => a.ts - b.ts);

// V8's samples for the main thread: its Profile event names the id its chunks carry (ids repeat
// across processes, so a chunk is matched by process and id).
const profileKey = (e) => `${e.pid}:${e.id}`;
const starts = new Map(events.filter((e) => e.name === 'Profile' && onMain(e)).map((e) => [profileKey(e), e.args?.data?.startTime ?? e.ts]));
const nodes = new Map();
const samples = [];
for (const e of events) {
  if (e.name !== 'ProfileChunk' || !starts.has(profileKey(e))) continue;
  const profile = e.args?.data?.cpuProfile ?? {};
  for (const n of profile.nodes ?? []) nodes.set(n.id, n);
  let ts = starts.get(profileKey(e));
  (profile.samples ?? []).forEach((id, i) => {
    ts += e.args.data.timeDeltas[i];
    samples.push({ id, ts });
  });
  starts.set(profileKey(e), ts);
}

// Source maps, when the build wrote them (CHATALOT_SOURCEMAP=1): minified positions → source lines.
let TraceMap, originalPositionFor;
try {
  ({ TraceMap, originalPositionFor } = require('@jridgewell/trace-mapping'));
} catch {
  // Without it the functions keep their minified names.
}
const maps = new Map();
function place(frame) {
  const name = frame.functionName || '(anonymous)';
  const asset = frame.url?.match(/\/assets\/[^?#]+\.js$/)?.[0];
  if (!asset || !TraceMap) return `${name} ${frame.url?.split('/').pop() ?? ''}`.trim();
  const mapFile = join(new URL('../dist/client', import.meta.url).pathname, `${asset}.map`);
  if (!maps.has(mapFile)) maps.set(mapFile, existsSync(mapFile) ? new TraceMap(readFileSync(mapFile, 'utf8')) : null);
  const map = maps.get(mapFile);
  if (!map) return `${name} ${asset.split('/').pop()}:${frame.lineNumber + 1}`;
  const at = originalPositionFor(map, { line: frame.lineNumber + 1, column: frame.columnNumber });
  return `${at.name ?? name} ${at.source?.replace(/^.*?(client\/src|node_modules)\//, '$1/') ?? asset}:${at.line}`;
}

let blocking = 0;
for (const task of tasks) {
  const ms = task.dur / 1000;
  blocking += Math.max(0, ms * 4 - 50);
  const inside = samples.filter((s) => s.ts >= task.ts && s.ts <= task.ts + task.dur);
  const self = new Map();
  for (const s of inside) {
    const n = nodes.get(s.id);
    if (!n || ['(idle)', '(program)', '(root)'].includes(n.callFrame.functionName)) continue;
    const key = place(n.callFrame);
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const perSample = inside.length ? ms / inside.length : 0;
  // What the task ran, as the trace's own events name it (script evaluation, layout, GC, …).
  const within = events.filter((e) => onMain(e) && e.ph === 'X' && e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= task.ts + task.dur && e.dur > 500);
  const kinds = new Map();
  for (const e of within) {
    const label = e.name + (e.args?.data?.url ? ` ${e.args.data.url.split('/').pop()}` : e.args?.data?.functionName ? ` ${e.args.data.functionName}` : '');
    kinds.set(label, (kinds.get(label) ?? 0) + e.dur / 1000);
  }
  const shown = [...kinds].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(' · ');
  console.log(`${((task.ts - fcp) / 1000).toFixed(0).padStart(6)} ms after FCP  ${ms.toFixed(1).padStart(6)} ms  ${shown}`);
  for (const [key, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`          ${(n * perSample).toFixed(1).padStart(6)} ms  ${key}`);
  if (INCLUSIVE) {
    const total = new Map();
    for (const s of inside) {
      const seen = new Set();
      for (let n = nodes.get(s.id); n; n = nodes.get(n.parent)) {
        const key = place(n.callFrame);
        if (key.includes('client/src/') && !seen.has(key)) seen.add(key);
      }
      for (const key of seen) total.set(key, (total.get(key) ?? 0) + 1);
    }
    for (const [key, n] of [...total].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`        ⊃ ${(n * perSample).toFixed(1).padStart(6)} ms  ${key}`);
  }
}
console.log(`${tasks.length} tasks over ${MIN_MS} ms; blocking time at 4× CPU ≈ ${Math.round(blocking)} ms (Lighthouse's simulation differs in detail)`);
