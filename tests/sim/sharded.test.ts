/**
 * The simulation with sharded fan-out (issue #18 item 5): every channel socket on a relay shard of
 * its own, so every envelope, key delivery, replay and removal crosses a shard. The seeds are the
 * recipients-epoch regression (a kicked member and a removed device) and one over every kind of
 * step, restarts and idle rooms included.
 */
import { describe, expect, it } from 'vitest';
import { FIRST_EVENTS, runSimulation, type SimOptions } from './run';
import { worldSuite } from './world';
import { SHARDED_ENV } from '../helpers/fanout';

const suite = worldSuite(SHARDED_ENV);

const RUNS: (SimOptions & { name: string })[] = [
  { seed: 10, steps: 150, events: FIRST_EVENTS, name: 'P10: a kicked member and a removed device read nothing sent after' },
  { seed: 2, steps: 80, name: 'every kind of step: restores, restarts, bans, new recovery codes, expired tokens and idle rooms included' },
];

describe('E2EE simulation with sharded fan-out: every entitled device reads, no one else does', () => {
  for (const run of RUNS) {
    it(`seed ${run.seed}, ${run.steps} steps — ${run.name}`, async () => {
      const r = await runSimulation(suite.world, run);
      if (Object.keys(r.violations).length) console.error(`seed ${run.seed}: ${JSON.stringify(r.violations)}\n${r.examples.join('\n')}\nsteps:\n${r.trail.join('\n')}`);
      console.log(`sharded seed ${run.seed}: ${r.messages} messages, ${r.deliveries} entitled deliveries checked`);
      expect(r.messages).toBeGreaterThan(0);
      expect(r.deliveries).toBeGreaterThan(0);
      expect(r.violations).toEqual({});
    }, 600_000);
  }
});
