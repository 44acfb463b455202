/**
 * The simulation's CI-sized run (issue #20): a few fixed seeds, every violation printed with the
 * steps that led to it. `npm run sim -- --seeds N --steps M` runs the long one (tests/sim/long.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../helpers/server';
import { runSimulation } from './run';
import { startWorld } from './world';

let server: RunningServer;
beforeAll(async () => {
  server = await startWorld();
}, 120_000);
afterAll(async () => {
  await server?.kill();
});

describe('E2EE simulation: every entitled device reads, no one else does', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}, 60 steps`, async () => {
      const r = await runSimulation(server, { seed, steps: 60 });
      if (Object.keys(r.violations).length) console.error(`seed ${seed}: ${JSON.stringify(r.violations)}\n${r.examples.join('\n')}\nsteps:\n${r.trail.join('\n')}`);
      console.log(`seed ${seed}: ${r.messages} messages, ${r.deliveries} entitled deliveries checked, ${(r.steps / (r.elapsedMs / 1000)).toFixed(1)} steps/s`);
      expect(r.messages).toBeGreaterThan(0);
      expect(r.deliveries).toBeGreaterThan(0);
      expect(r.violations).toEqual({});
    }, 600_000);
  }
});
