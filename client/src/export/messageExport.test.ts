import { describe, expect, it } from 'vitest';
import { buildExport, exportHtml } from './messageExport';
import type { MessageRecord } from '../stores/ChannelSession';

const rec = (r: Partial<MessageRecord> & { seq: number }): MessageRecord => ({ clientMsgId: `c${r.seq}`, sender: 'u1', ts: 1_000 + r.seq, kind: 'message', ...r });

describe('message export (issue #19 item 6)', () => {
  const records = [
    { channelId: 'ch', record: rec({ seq: 1, body: { v: 1, text: 'first <script>alert(1)</script>' } }) },
    { channelId: 'ch', record: rec({ seq: 2, body: { v: 1, text: 'gone' } }) },
    { channelId: 'ch', record: rec({ seq: 3, kind: 'delete', target: 2 }) },
    { channelId: 'ch', record: rec({ seq: 4, body: { v: 1, text: 'typo' } }) },
    { channelId: 'ch', record: rec({ seq: 5, kind: 'edit', target: 4, body: { v: 1, text: 'fixed' } }) },
    { channelId: 'ch', record: rec({ seq: 6, kind: 'reaction', target: 1, body: { v: 1, emoji: '👍' } }) },
    { channelId: 'ch', record: rec({ seq: 7, body: { v: 1, text: 'expired' }, expiresAt: 500 }) },
    { channelId: 'ch', record: rec({ seq: 8, kind: 'webhook', sender: 'webhook.w', body: { v: 1, text: 'deployed' }, webhook: { name: 'CI', username: 'CI bot' } }) },
    { channelId: 'dm', record: rec({ seq: 1, sender: 'u2', error: 'waiting-for-key' }) },
  ];
  const e = buildExport(records, { conversations: { ch: '#general · Club' }, people: { u1: 'alice' } }, 10_000);

  it('keeps readable messages in order, applies edits, drops deletes, reactions, expired and unreadable ones', () => {
    expect(e.conversations.map((c) => c.title)).toEqual(['#general · Club']);
    expect(e.conversations[0]!.messages.map((m) => [m.seq, m.senderName, m.text, m.edited])).toEqual([
      [1, 'alice', 'first <script>alert(1)</script>', false],
      [4, 'alice', 'fixed', true],
      [8, 'CI bot', 'deployed', false],
    ]);
    expect(e.conversations[0]!.messages[2]!.webhook).toBe('CI');
  });

  it('escapes everything written in the web page and allows no script', () => {
    const html = exportHtml(e, { title: 'My messages', edited: 'edited', files: 'files', webhook: 'webhook, not end-to-end encrypted' });
    expect(html).not.toContain('<script>');
    expect(html).toContain('first &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain("default-src 'none'");
  });
});
