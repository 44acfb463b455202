/**
 * Link previews (issue #15 item 6): the sender's client asks its instance to fetch a public web
 * page and read its title and description; the preview then travels inside the message's
 * ciphertext, so receivers never contact the linked site. Off unless the operator sets
 * LINK_PREVIEWS=on. The server sees the addresses it is asked to preview (SECURITY.md).
 */
import * as v from 'valibot';

/** Longest address previewed. */
export const MAX_PREVIEW_URL_CHARS = 2048;
export const MAX_PREVIEW_TITLE_CHARS = 300;
export const MAX_PREVIEW_DESCRIPTION_CHARS = 500;
export const MAX_PREVIEW_SITE_CHARS = 100;

export const LinkPreviewRequest = v.strictObject({
  url: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_PREVIEW_URL_CHARS, `url must be at most ${MAX_PREVIEW_URL_CHARS} characters`)),
});

/** What the server read from the page (any part may be missing). */
export interface LinkPreview {
  /** The address after redirects. */
  url: string;
  title?: string;
  description?: string;
  siteName?: string;
}
