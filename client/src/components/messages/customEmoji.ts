/**
 * A community's custom emoji in messages and reactions (issue #13 item 6): `:name:` shows the
 * emoji's picture when the community has one by that name, and stays the text `:name:`
 * otherwise (a deleted emoji, a message read elsewhere), so nothing becomes unreadable.
 */
import { imageUrl } from '../../api/images';
import type { EmojiEntry } from './emoji';

const SHORTCODE = /:([a-z0-9_]{2,32}):/g;
const ANY_SHORTCODE = /:[a-z0-9_]{2,32}:/;

/** The picture an `:name:` reaction shows, or undefined when it is not one of the community's emoji. */
export function customEmojiImage(emoji: string, images: ReadonlyMap<string, string> | undefined): string | undefined {
  const m = /^:([a-z0-9_]{2,32}):$/.exec(emoji);
  const id = m && images?.get(m[1]!);
  return id ? imageUrl(id) : undefined;
}

/** The community's emoji as picker and autocomplete entries (inserting `:name:`). */
export function customEntries(images: ReadonlyMap<string, string> | undefined): EmojiEntry[] {
  return [...(images ?? [])].map(([name, id]) => ({ emoji: `:${name}:`, name, image: imageUrl(id) }));
}

/** Whether `text` may hold a custom emoji's `:name:` (then its HTML goes through withCustomEmoji). */
export function mayHaveCustomEmoji(text: string, images: ReadonlyMap<string, string> | undefined): boolean {
  return !!images && images.size > 0 && ANY_SHORTCODE.test(text);
}

/**
 * Sanitized message HTML with `:name:` in its text (not in code) made into the emoji's picture.
 * Works on the parsed DOM, never on the HTML string, so nothing is ever inserted inside a tag or
 * an attribute; the picture's only attributes are ours.
 */
export function withCustomEmoji(html: string, images: ReadonlyMap<string, string> | undefined): string {
  if (!images || !mayHaveCustomEmoji(html, images)) return html;
  const template = document.createElement('template');
  template.innerHTML = html;
  const walker = document.createTreeWalker(template.content, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) if (!n.parentElement?.closest('code, pre')) texts.push(n as Text);
  let changed = false;
  for (const node of texts) {
    const value = node.data;
    const parts = document.createDocumentFragment();
    let last = 0;
    for (const m of value.matchAll(SHORTCODE)) {
      const id = images.get(m[1]!);
      if (!id) continue;
      parts.append(value.slice(last, m.index));
      const img = document.createElement('img');
      img.className = 'custom-emoji';
      img.src = imageUrl(id);
      img.alt = m[0];
      img.title = m[0];
      parts.append(img);
      last = m.index + m[0].length;
    }
    if (last === 0) continue;
    parts.append(value.slice(last));
    node.replaceWith(parts);
    changed = true;
  }
  return changed ? template.innerHTML : html;
}
