/**
 * Incoming webhooks (issue #17 item 3): what a channel's managers send to create one, what an
 * external service POSTs to its secret URL (a subset of Discord's execute-webhook body, so existing
 * integrations work), and what the room relays.
 *
 * A webhook post is NOT end-to-end encrypted: the server receives it in plaintext and stores it in
 * the channel's log as an envelope of kind `webhook`, whose `ciphertext` field holds base64 of the
 * UTF-8 JSON `WebhookEnvelopeBody`. Clients never decrypt it and mark it "not end-to-end encrypted".
 */
import * as v from 'valibot';

/** The `sender` of a webhook's posts: never a user id (those have no dot). */
export function webhookSender(webhookId: string): string {
  return `webhook.${webhookId}`;
}

/**
 * Whether an envelope's `sender` is a webhook's: a device that never read the post (it was
 * deleted before this device saw it) still names it a webhook, not "someone".
 */
export function isWebhookSender(sender: string): boolean {
  return sender.startsWith('webhook.');
}

/** Longest `content` (characters), as Discord's. */
export const MAX_WEBHOOK_CONTENT = 2_000;
export const MAX_WEBHOOK_NAME = 80;
export const MAX_EMBEDS = 10;
/** Every embed's text together, as Discord's. */
export const MAX_EMBED_CHARS = 6_000;
/** Largest body an external service may POST, bytes (read with a cap while it streams). */
export const MAX_WEBHOOK_BODY_BYTES = 64 * 1024;
/** Most webhooks one channel may have. */
export const MAX_WEBHOOKS_PER_CHANNEL = 10;
/** Posts one webhook may make: this many in a burst, refilled over WEBHOOK_PERIOD_MS. */
export const WEBHOOK_BURST = 5;
export const WEBHOOK_PERIOD_MS = 2_000;

const Name = v.pipe(v.string(), v.trim(), v.minLength(1, 'name must not be empty'), v.maxLength(MAX_WEBHOOK_NAME, `name: at most ${MAX_WEBHOOK_NAME} characters`));

export const CreateWebhookRequest = v.strictObject({
  name: Name,
  /**
   * An end-to-end encrypted webhook (issue #17 item 4): instead of a secret URL, an enrolment
   * token for the `chatalot-post` command-line client, which holds its own device keys and seals
   * each post like a member; a manager approves its device before it may post.
   */
  encrypted: v.optional(v.boolean()),
});

/** HTML is refused (the text is Markdown, rendered like any message); a tag is a mistake or an attack. */
const NO_HTML = /<\/?[a-z!][^>]*>/i;
const text = (what: string, max: number) =>
  v.pipe(
    v.string(),
    v.maxLength(max, `${what}: at most ${max} characters`),
    v.check((s) => !NO_HTML.test(s), `${what}: HTML is not accepted; send Markdown text`),
  );
const HttpUrl = v.pipe(v.string(), v.maxLength(2048), v.url(), v.regex(/^https?:\/\//, 'urls must be http or https'));

export const Embed = v.object({
  title: v.optional(text('embeds.title', 256)),
  description: v.optional(text('embeds.description', 4096)),
  url: v.optional(HttpUrl),
  color: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffffff))),
  fields: v.optional(v.pipe(v.array(v.object({ name: text('embeds.fields.name', 256), value: text('embeds.fields.value', 1024), inline: v.optional(v.boolean()) })), v.maxLength(25, 'embeds.fields: at most 25'))),
  footer: v.optional(v.object({ text: text('embeds.footer.text', 2048) })),
});
export type Embed = v.InferOutput<typeof Embed>;

/** The body an external service POSTs (unknown fields are ignored, as Discord does). */
export const WebhookPostRequest = v.pipe(
  v.object({
    content: v.optional(text('content', MAX_WEBHOOK_CONTENT)),
    username: v.optional(v.pipe(text('username', MAX_WEBHOOK_NAME), v.trim(), v.minLength(1))),
    /** Accepted for compatibility and never loaded: clients do not fetch images from elsewhere. */
    avatar_url: v.optional(HttpUrl),
    embeds: v.optional(v.pipe(v.array(Embed), v.maxLength(MAX_EMBEDS, `embeds: at most ${MAX_EMBEDS}`))),
  }),
  v.check((b) => !!b.content?.trim() || (b.embeds?.length ?? 0) > 0, 'give content or at least one embed'),
  v.check((b) => embedChars(b.embeds ?? []) <= MAX_EMBED_CHARS, `embeds: at most ${MAX_EMBED_CHARS} characters of text together`),
);
export type WebhookPostRequest = v.InferOutput<typeof WebhookPostRequest>;

export function embedChars(embeds: Embed[]): number {
  let n = 0;
  for (const e of embeds) n += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((m, f) => m + f.name.length + f.value.length, 0);
  return n;
}

/** What a `webhook` envelope's `ciphertext` carries (base64 of its JSON). */
export interface WebhookEnvelopeBody {
  v: 1;
  webhook: { id: string; name: string };
  /** The name the post asked to show (display only; the webhook's own name is always shown beside it). */
  username?: string;
  content?: string;
  embeds?: Embed[];
}

/** What the channel settings show of a webhook (never its secret). */
export interface WebhookView {
  id: string;
  channelId: string;
  name: string;
  createdBy: string;
  createdAt: number;
  rotatedAt: number | null;
  posts: number;
  lastPostAt: number | null;
  /** Sealed by its own device (issue #17 item 4) rather than posted in plaintext. */
  encrypted: boolean;
  /** An encrypted webhook's bot account (it sends as this user), and when its device was approved. */
  botUserId: string | null;
  approvedAt: number | null;
  /** An encrypted webhook's registered devices, to compare with what `chatalot-post` printed before approving. */
  devices: { deviceId: string; identityKey: string }[];
}

/** What creating an encrypted webhook answers, once: what its command-line client enrols with. */
export interface WebhookEnrolment {
  server: string;
  token: string;
}
