/**
 * The simulation's CI-sized run (issue #20): the seeds that found bugs, each named for what it
 * found and replayed with the kinds of step it was found with, and a few seeds over every kind of
 * step (restores and server restarts included). Every violation is printed with the steps that led
 * to it. `npm run sim -- --seeds N --steps M` runs the long one (tests/sim/long.sim.ts).
 */
import { describe, expect, it } from 'vitest';
import { FIRST_EVENTS, runSimulation, SECOND_EVENTS, THIRD_EVENTS, type SimOptions } from './run';
import { worldSuite } from './world';

const suite = worldSuite();

const RUNS: (SimOptions & { name: string })[] = [
  { seed: 1, steps: 60, events: FIRST_EVENTS, name: 'regression: a device approved just before a send missed the key (the approval gap; key re-requests)' },
  { seed: 10, steps: 150, events: FIRST_EVENTS, name: 'P10 regression: a kicked member and a removed device could read what was sent right after (the recipients epoch)' },
  { seed: 11, steps: 140, events: FIRST_EVENTS, name: 'regression: two members whose sessions crossed lost every later key to each other (archived sessions)' },
  { seed: 14, steps: 40, events: FIRST_EVENTS, name: 'P12 regression: a re-request answered a device for messages from before its approval (the answer rule)' },
  { seed: 108, steps: 105, events: SECOND_EVENTS, name: 'P10 regression: a device restored from the backup and then removed read on with the keys the backup gave it (a removal from a holder’s list rotates)' },
  { seed: 1001, steps: 215, events: THIRD_EVENTS, name: 'P10 regression: an own device approved, handed a new sender key by the key backup before the key was ever sent, then removed, read on (the own list is recorded when a key is made)' },
  { seed: 2, steps: 80, name: 'every kind of step: restores, restarts, bans, new recovery codes, expired tokens and idle rooms included' },
  { seed: 3, steps: 80, name: 'every kind of step: restores, restarts, bans, new recovery codes, expired tokens and idle rooms included' },
];

describe('E2EE simulation: every entitled device reads, no one else does', () => {
  for (const run of RUNS) {
    it(`seed ${run.seed}, ${run.steps} steps — ${run.name}`, async () => {
      const r = await runSimulation(suite.world, run);
      if (Object.keys(r.violations).length) console.error(`seed ${run.seed}: ${JSON.stringify(r.violations)}\n${r.examples.join('\n')}\nsteps:\n${r.trail.join('\n')}`);
      console.log(`seed ${run.seed}: ${r.messages} messages, ${r.deliveries} entitled deliveries checked, ${(r.steps / (r.elapsedMs / 1000)).toFixed(1)} steps/s`);
      expect(r.messages).toBeGreaterThan(0);
      expect(r.deliveries).toBeGreaterThan(0);
      expect(r.violations).toEqual({});
    }, 600_000);
  }
});
