/** docs/protocol.md's "The user hub" section is checked against protocol/hub.ts: every client frame and its fields, and the limits. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HubClientFrame, MAX_DELIVER_RECIPIENTS, MAX_INBOX_ITEMS, MAX_WATCH, INBOX_WINDOW } from '../../protocol/hub';
import { ROOT } from '../../scripts/build.mjs';

const doc = readFileSync(join(ROOT, 'docs/protocol.md'), 'utf8');
const hub = doc.slice(doc.indexOf('## The user hub'));

describe('docs/protocol.md: the user hub', () => {
  it('documents every hub client frame and its fields', () => {
    expect(hub.length).toBeGreaterThan(100);
    for (const option of HubClientFrame.options) {
      const type = (option.entries.type as { literal: string }).literal;
      const row = hub.split('\n').find((l) => l.startsWith(`| \`${type}\` |`));
      expect(row, type).toBeDefined();
      for (const field of Object.keys(option.entries).filter((k) => k !== 'type')) expect(row, `${type}.${field}`).toContain(`\`${field}\``);
    }
  });

  it('states the limits the code enforces', () => {
    expect(hub).toContain(`1–${MAX_DELIVER_RECIPIENTS}`);
    expect(hub).toContain(`up to ${MAX_WATCH}`);
    expect(hub).toContain(`${MAX_INBOX_ITEMS.toLocaleString('en-US')} unacknowledged`);
    expect(hub).toContain(`At most ${INBOX_WINDOW} unacknowledged`);
  });
});
