// Turns vitest's "Tests  2 failed | 150 passed | 3 skipped (155)" lines from the given logs
// into one plain closing line: "tests: N passed, N failed, N skipped".
import { readFileSync, existsSync } from 'node:fs';

const totals = { passed: 0, failed: 0, skipped: 0 };
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) continue;
  const text = readFileSync(file, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  const line = text.split('\n').filter((l) => /^\s*Tests\s+\d/.test(l)).pop();
  if (!line) continue;
  for (const key of Object.keys(totals)) {
    const m = new RegExp(`(\\d+) ${key}`).exec(line);
    if (m) totals[key] += Number(m[1]);
  }
  const todo = /(\d+) todo/.exec(line);
  if (todo) totals.skipped += Number(todo[1]);
}
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
