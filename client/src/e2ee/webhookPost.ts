/**
 * Reading a `webhook` envelope (issue #17 item 3): a post an external service made through one of
 * the channel's webhooks. It is not encrypted — its `ciphertext` field is base64 of the JSON the
 * server built (protocol/webhooks.ts) — so nothing here decrypts; the app shows it marked "not
 * end-to-end encrypted". Embeds become Markdown, so they go through the same renderer and
 * sanitizer as every message (no HTML is accepted by the server in the first place).
 */
import type { Embed, WebhookEnvelopeBody } from '../../../protocol/webhooks';
import { fromBase64 } from './base64';

export interface WebhookPost {
  webhookId: string;
  /** The webhook's own name (set by the channel's managers). */
  name: string;
  /** The name the post asked to show, if any (display only). */
  username?: string;
  /** Content and embeds, as Markdown. */
  text: string;
}

function embedMarkdown(e: Embed): string {
  const lines: string[] = [];
  if (e.title) lines.push(e.url ? `**[${e.title}](${e.url})**` : `**${e.title}**`);
  if (e.description) lines.push(e.description);
  for (const f of e.fields ?? []) lines.push(`**${f.name}**: ${f.value}`);
  if (e.footer?.text) lines.push(`_${e.footer.text}_`);
  return lines.map((l) => `> ${l.replace(/\n/g, '\n> ')}`).join('\n');
}

/** The post, or null when the envelope is not a well-formed webhook post. */
export function readWebhookPost(ciphertext: string): WebhookPost | null {
  try {
    const body = JSON.parse(new TextDecoder().decode(fromBase64(ciphertext))) as WebhookEnvelopeBody;
    if (body.v !== 1 || typeof body.webhook?.id !== 'string' || typeof body.webhook.name !== 'string') return null;
    const parts = [typeof body.content === 'string' ? body.content : '', ...(Array.isArray(body.embeds) ? body.embeds.map(embedMarkdown) : [])].filter(Boolean);
    return { webhookId: body.webhook.id, name: body.webhook.name, ...(typeof body.username === 'string' ? { username: body.username } : {}), text: parts.join('\n\n') };
  } catch {
    return null;
  }
}
