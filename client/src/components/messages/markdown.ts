/**
 * Message text to safe HTML. Text Markdown would leave unchanged takes a fast path here; anything
 * else goes to markdownFull.ts (marked, DOMPurify, the highlighter), a chunk of its own loaded
 * the first time a message needs it. Until it has loaded (a fetch from the service worker's cache
 * and its module code: a frame or two) such a message shows its text as written, escaped; the
 * renderer reads a Solid signal then, so exactly those messages render again when it arrives.
 * Loading it in idle time instead, ahead of need, put its module code inside the chat's start on
 * every load (Lighthouse TBT 1,030–1,690 ms with it, 730–960 ms without), for chats most of whose
 * messages are plain.
 */
import { createSignal } from 'solid-js';
import { t } from '../../i18n';
import { escapeHtml } from './escapeHtml';
import { hideSpoilers } from './spoilers';
import type { highlightCode as HighlightCode } from './highlight';

// The signals live here, in the chat chunk, and markdownFull.ts imports nothing of the chat's
// modules (the highlighter comes as an argument): either made the bundler move Solid out of the
// entry chunk into one of its own, a second request before the sign-in screen could draw
// (Lighthouse FCP 1.1 → 1.5 s on slow 4G).
const [highlighter, setHighlighter] = createSignal<typeof HighlightCode>();
let loadingHighlighter = false;
/** The code highlighter if it has loaded; otherwise starts loading it (once) and returns undefined. */
function loadedHighlighter(): typeof HighlightCode | undefined {
  const h = highlighter();
  if (!h && !loadingHighlighter) {
    loadingHighlighter = true;
    import('./highlight').then(
      (m) => setHighlighter(() => m.highlightCode),
      // Offline with a stale cache, say: code stays plain, and the next code block tries again.
      () => (loadingHighlighter = false),
    );
  }
  return h;
}

type Full = typeof import('./markdownFull');
const [full, setFull] = createSignal<Full>();
let loading = false;
/** The rich renderer if it has loaded; otherwise starts loading it (once) and returns undefined. */
function loadedFull(): Full | undefined {
  const f = full();
  if (!f && !loading) {
    loading = true;
    import('./markdownFull').then(
      (m) => setFull(() => m),
      // Offline with a stale cache, say: the text stays as written, and the next message tries again.
      () => (loading = false),
    );
  }
  return f;
}

/**
 * Text Markdown leaves as it is: one line of words, digits, spaces, emoji and plain punctuation,
 * starting with a letter (not a list number), with no link Markdown or GFM would make. Most chat
 * messages are like this, and they skip the parser and the sanitizer, which cost a few
 * milliseconds a message on a slow phone (a chat opens on fifty of them). markdown.test.ts checks
 * that the parser returns exactly the same HTML for such text.
 */
const PLAIN = /^\p{L}[\p{L}\p{M}\p{N}\p{Pd}\p{Sc}\p{Extended_Pictographic}\p{Emoji_Modifier}\u200d\ufe0f ,.;:!?'"()%/+=-]*$/u;
const LINKISH = /:\/\/|www\./i;
export const isPlainText = (text: string) => text.length <= 2000 && PLAIN.test(text) && !LINKISH.test(text) && !/ $/.test(text);

/** Sanitized HTML for a message's text. */
export function renderMarkdown(text: string): string {
  if (isPlainText(text)) return `<p>${escapeHtml(text)}</p>\n`;
  return loadedFull()?.renderRich(text, loadedHighlighter, { spoiler: t('Spoiler: select to show') }) ?? `<p>${escapeHtml(hideSpoilers(text))}</p>\n`;
}
