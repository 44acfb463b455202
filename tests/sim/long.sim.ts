/**
 * The long simulation run (issue #20), started by `npm run sim -- --seeds N --steps M` (see
 * scripts/sim.mjs; `--seed K` replays one seed with every step printed). It runs the seeds one
 * after another against one server and prints, at the end, violations by kind, the rate per
 * 10,000 entitled deliveries, and the steps per second; every failing seed is printed with the
 * steps that led to it, to be replayed and kept as a regression test in sim.test.ts.
 */
import { expect, it } from 'vitest';
import { runSimulation, type SimResult } from './run';
import { worldSuite } from './world';

const first = Number(process.env.SIM_FIRST ?? 1);
const seeds = Number(process.env.SIM_SEEDS ?? 10);
const steps = Number(process.env.SIM_STEPS ?? 100);
const verbose = process.env.SIM_VERBOSE === '1';

const suite = worldSuite();

it(`simulation: seeds ${first}…${first + seeds - 1}, ${steps} steps each`, async () => {
  const results: SimResult[] = [];
  const byKind: Record<string, number> = {};
  const started = Date.now();
  for (let seed = first; seed < first + seeds; seed++) {
    const r = await runSimulation(suite.world, { seed, steps, log: verbose ? (l) => console.log(l) : undefined });
    results.push(r);
    for (const [k, n] of Object.entries(r.violations)) byKind[k] = (byKind[k] ?? 0) + n;
    const bad = Object.keys(r.violations).length > 0;
    console.log(`seed ${seed}: ${r.messages} messages, ${r.deliveries} entitled deliveries, ${(r.elapsedMs / 1000).toFixed(1)} s${bad ? ` — VIOLATIONS ${JSON.stringify(r.violations)}` : ''}`);
    if (bad) console.log(`${r.examples.join('\n')}\nreplay: npm run sim -- --seed ${seed} --steps ${steps}\nlast steps:\n${r.trail.slice(-40).join('\n')}`);
  }
  const deliveries = results.reduce((s, r) => s + r.deliveries, 0);
  const unreadable = Object.entries(byKind)
    .filter(([k]) => k.startsWith('unreadable') || k === 'wrong-plaintext')
    .reduce((s, [, n]) => s + n, 0);
  const leaked = Object.entries(byKind)
    .filter(([k]) => k.startsWith('readable'))
    .reduce((s, [, n]) => s + n, 0);
  const seconds = (Date.now() - started) / 1000;
  console.log(
    [
      `seeds: ${seeds}, steps per seed: ${steps}, messages: ${results.reduce((s, r) => s + r.messages, 0)}, entitled deliveries: ${deliveries}`,
      `undecryptable-but-entitled: ${unreadable} (${((unreadable / Math.max(1, deliveries)) * 10_000).toFixed(2)} per 10,000 deliveries)`,
      `readable-but-not-entitled: ${leaked}`,
      `violations by kind: ${JSON.stringify(byKind)}`,
      `failing seeds: ${results.filter((r) => Object.keys(r.violations).length).map((r) => r.seed).join(', ') || 'none'}`,
      `throughput: ${((seeds * steps) / seconds).toFixed(1)} steps/s (${seconds.toFixed(0)} s in all)`,
    ].join('\n'),
  );
  expect(byKind).toEqual({});
});
