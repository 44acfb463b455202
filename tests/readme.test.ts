/** README stays true: the quick start and test commands, and a configuration table that lists every variable start accepts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../scripts/build.mjs';
import { VARIABLES } from '../selfhost/config.mjs';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('shows the two commands and the test command', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toMatch(/```sh\nnpm test\n```/);
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm test /m);
  });

  it('documents every configuration variable with its default', () => {
    for (const [name, spec] of Object.entries(VARIABLES)) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      const shown = spec.default === undefined ? 'unset' : `\`${spec.default}\``;
      expect(row).toContain(`| ${shown} |`);
    }
  });
});
