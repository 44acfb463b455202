/** docs/protocol.md is checked against protocol/frames.ts: every client frame type and its fields are documented. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClientFrame } from '../protocol/frames';
import { MAX_CIPHERTEXT_CHARS, MAX_FRAME_BYTES, MAX_HISTORY_PAGE } from '../protocol/limits';
import { ROOT } from '../scripts/build.mjs';

const doc = readFileSync(join(ROOT, 'docs/protocol.md'), 'utf8');

describe('docs/protocol.md', () => {
  it('documents every client frame and its fields', () => {
    for (const option of ClientFrame.options) {
      const type = (option.entries.type as { literal: string }).literal;
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${type}\` |`));
      expect(row, type).toBeDefined();
      for (const field of Object.keys(option.entries).filter((k) => k !== 'type')) expect(row, `${type}.${field}`).toContain(`\`${field}\``);
    }
  });

  it('states the limits the code enforces', () => {
    expect(doc).toContain(`${MAX_CIPHERTEXT_CHARS.toLocaleString('en-US')} characters`);
    expect(doc).toContain(`${MAX_FRAME_BYTES / 1024} KiB`);
    expect(doc).toContain(`1–${MAX_HISTORY_PAGE}`);
  });
});
