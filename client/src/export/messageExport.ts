/**
 * "Your data" (issue #19 item 6), the device's half: the message history this device has
 * decrypted, as JSON and as one readable web page. Built here from the device's own message cache
 * (stores/ChannelSession.ts writes it), because the server has only ciphertext. Edits are applied
 * (the latest text, with "edited"), deleted and expired messages are left out, and every string a
 * person wrote is escaped in the web page, which also forbids scripts with its own CSP.
 */
import type { MessageRecord } from '../stores/ChannelSession';

export interface ExportedMessage {
  seq: number;
  ts: number;
  sender: string;
  senderName: string;
  text: string;
  files: string[];
  edited: boolean;
  /** Posted by a webhook: not end-to-end encrypted. */
  webhook?: string;
}

export interface ExportedConversation {
  id: string;
  title: string;
  messages: ExportedMessage[];
}

export interface MessageExport {
  format: 'chatalot-messages-export/1';
  exportedAt: number;
  conversations: ExportedConversation[];
}

/** Turns the cached records (any order, any conversation) into conversations in seq order. */
export function buildExport(records: { channelId: string; record: MessageRecord }[], names: { conversations: Record<string, string>; people: Record<string, string> }, now: number): MessageExport {
  const byChannel = new Map<string, MessageRecord[]>();
  for (const { channelId, record } of records) byChannel.set(channelId, [...(byChannel.get(channelId) ?? []), record]);
  const conversations: ExportedConversation[] = [];
  for (const [id, recs] of byChannel) {
    recs.sort((a, b) => a.seq - b.seq);
    const edits = new Map<number, string>();
    for (const r of recs) if (r.kind === 'edit' && r.target !== undefined && typeof r.body?.text === 'string' && !r.error) edits.set(r.target, r.body.text);
    const gone = new Set(recs.filter((r) => r.kind === 'delete' && r.target !== undefined).map((r) => r.target!));
    const messages: ExportedMessage[] = [];
    for (const r of recs) {
      if ((r.kind !== 'message' && r.kind !== 'webhook') || r.deleted || r.expired || gone.has(r.seq) || !r.body) continue;
      if (r.expiresAt !== undefined && r.expiresAt <= now) continue;
      const text = edits.get(r.seq) ?? r.body.text ?? (r.body.poll ? `📊 ${r.body.poll.question}` : '');
      const files = (r.body.files ?? []).map((f) => f.name);
      if (!text && files.length === 0) continue;
      const senderName = r.webhook ? (r.webhook.username ?? r.webhook.name) : (names.people[r.sender] ?? r.sender);
      messages.push({ seq: r.seq, ts: r.ts, sender: r.sender, senderName, text, files, edited: edits.has(r.seq), ...(r.webhook ? { webhook: r.webhook.name } : {}) });
    }
    if (messages.length) conversations.push({ id, title: names.conversations[id] ?? id, messages });
  }
  conversations.sort((a, b) => a.title.localeCompare(b.title));
  return { format: 'chatalot-messages-export/1', exportedAt: now, conversations };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** One self-contained page: no script, no outside resource, every written string escaped. */
export function exportHtml(e: MessageExport, labels: { title: string; edited: string; files: string; webhook: string }): string {
  const when = (ts: number) => new Date(ts).toISOString().replace('T', ' ').slice(0, 19);
  const body = e.conversations
    .map(
      (c) => `<section><h2>${escapeHtml(c.title)}</h2><ol>${c.messages
        .map(
          (m) =>
            `<li><time datetime="${new Date(m.ts).toISOString()}">${when(m.ts)}</time> <b>${escapeHtml(m.senderName)}</b>${m.webhook ? ` <i>(${escapeHtml(labels.webhook)})</i>` : ''}: <span class="text">${escapeHtml(m.text)}</span>${m.edited ? ` <i>(${escapeHtml(labels.edited)})</i>` : ''}${m.files.length ? ` <i>${escapeHtml(labels.files)}: ${m.files.map(escapeHtml).join(', ')}</i>` : ''}</li>`,
        )
        .join('')}</ol></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>${escapeHtml(labels.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem}ol{list-style:none;padding:0}li{margin:.3rem 0}.text{white-space:pre-wrap}time{color:#555;font-size:.85em}</style></head>
<body><h1>${escapeHtml(labels.title)}</h1>
${body}
</body></html>
`;
}
