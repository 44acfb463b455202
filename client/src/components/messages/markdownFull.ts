/**
 * The rich half of message rendering (markdown.ts is the entry): Markdown (marked) with raw HTML
 * shown as text, images shown as links (nothing is ever loaded from a message), bare URLs made
 * links, and the result passed through DOMPurify with a small allow-list. Links open in a new tab
 * with no referrer and no opener, and only http, https and mailto survive (SECURITY-TESTS I6,
 * I7). Fenced code blocks are syntax-highlighted (highlight.ts); their spans keep only
 * highlight.js's own class names, and no other element keeps a class, so a message cannot borrow
 * the app's styles (a fake banner).
 *
 * This module is a chunk of its own, loaded the first time a message needs more than the plain
 * fast path: marked's and DOMPurify's module code is a long task's worth on a slow phone, and
 * most chat messages never need them.
 *
 * The highlighter is a further chunk (about a quarter of the chat screen's size again), fetched
 * the first time a code block is rendered. Until it arrives code blocks show plain; the renderer
 * reads a Solid signal only while rendering a code block, so exactly the messages with code
 * render again once it has loaded.
 */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { escapeHtml } from './escapeHtml';
import type { highlightCode as HighlightCode } from './highlight';

/** The highlighter of the render under way (see renderRich), if it has loaded. */
let highlighter: () => typeof HighlightCode | undefined = () => undefined;

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    // Raw HTML in a message is text, not markup.
    html: ({ text }) => escapeHtml(text),
    // An image becomes a link to it: opening a message never fetches anything.
    image: ({ href, text }) => `<a href="${escapeHtml(href)}">${escapeHtml(text || href)}</a>`,
    code: ({ text, lang }) => {
      const { html, language } = highlighter()?.(text, lang) ?? { html: escapeHtml(text), language: undefined };
      // No newline after the block (marked's default adds one): message text is white-space: pre-wrap, so it would show as a blank line.
      return `<pre><code class="hljs${language ? ` language-${language}` : ''}">${html}</code></pre>`;
    },
  },
});

const ALLOWED_TAGS = ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span'];

/**
 * Class names a message may carry: highlight.js's token scopes (`hljs-keyword`, and sub-scopes
 * such as `function_`) and the code block's `language-*`, on <code> and <span> only.
 */
const CODE_CLASS = /^(?:hljs(?:-[a-z]+(?:-[a-z]+)*)?|[a-z]+_+|language-[a-z0-9+#-]+)$/;
const CLASSED_TAGS = new Set(['CODE', 'SPAN']);

let hooked = false;
function purifier(): typeof DOMPurify {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      const cls = node.getAttribute('class');
      if (cls !== null) {
        const kept = CLASSED_TAGS.has(node.tagName) ? cls.split(/\s+/).filter((c) => CODE_CLASS.test(c)) : [];
        if (kept.length > 0) node.setAttribute('class', kept.join(' '));
        else node.removeAttribute('class');
      }
      if (node.tagName === 'A') {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer nofollow');
      }
    });
  }
  return DOMPurify;
}

/** HTML for a message's text before sanitizing (exported for markdown.test.ts). */
export const parseMarkdown = (text: string) => marked.parse(text, { async: false }) as string;

/**
 * Sanitized HTML for a message's text that needs the parser. `highlight` gives the code
 * highlighter when it has loaded (and starts loading it otherwise); it is called only while a
 * code block renders.
 */
export function renderRich(text: string, highlight: () => typeof HighlightCode | undefined): string {
  highlighter = highlight;
  let html: string;
  try {
    html = parseMarkdown(text);
  } finally {
    highlighter = () => undefined;
  }
  return purifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'class', 'target', 'rel', 'start'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
  });
}
