#!/usr/bin/env node
/**
 * `npm run sim -- --seeds N --steps M [--first K]` runs the E2EE simulation (tests/sim, issue #20)
 * over N seeds from K; `--seed K` replays one seed and prints each step. It runs under vitest
 * (each simulated device loads its own copy of the client's modules through vitest's module
 * registry) with tests/sim/vitest.config.ts, and prints violations by kind at the end.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { seeds: { type: 'string' }, steps: { type: 'string' }, first: { type: 'string' }, seed: { type: 'string' } },
});
const env = { ...process.env };
if (values.seed) Object.assign(env, { SIM_FIRST: values.seed, SIM_SEEDS: '1', SIM_VERBOSE: '1' });
else Object.assign(env, { SIM_FIRST: values.first ?? '1', SIM_SEEDS: values.seeds ?? '10' });
env.SIM_STEPS = values.steps ?? '100';
for (const [k, v] of Object.entries({ seeds: env.SIM_SEEDS, steps: env.SIM_STEPS, first: env.SIM_FIRST })) {
  if (!/^[1-9][0-9]*$/.test(v)) {
    console.error(`--${k} must be a positive whole number, not ${JSON.stringify(v)}`);
    process.exit(2);
  }
}
const child = spawn('npx', ['vitest', 'run', '--config', 'tests/sim/vitest.config.ts', '--silent=false'], { env, stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
