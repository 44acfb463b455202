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
/** The covered spoiler's accessible name in the language on screen (see renderRich). */
let spoilerLabel = 'Spoiler';

const marked = new Marked({
  gfm: true,
  breaks: true,
  extensions: [
    {
      // `||hidden||` (spoilers.ts): a covered span, a button until it is uncovered.
      name: 'spoiler',
      level: 'inline',
      start: (src: string) => src.indexOf('||'),
      tokenizer(src: string) {
        const m = /^\|\|(?=\S)([\s\S]+?)\|\|/.exec(src);
        return m ? { type: 'spoiler', raw: m[0], tokens: this.lexer.inlineTokens(m[1]!) } : undefined;
      },
      renderer(token) {
        return `<span class="spoiler" role="button" tabindex="0" aria-expanded="false" aria-label="${escapeHtml(spoilerLabel)}"><span class="spoiler-text">${this.parser.parseInline(token.tokens ?? [])}</span></span>`;
      },
    },
  ],
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
/** What only a spoiler's span carries (the renderer's own; raw HTML in a message is text anyway). */
const SPOILER_ATTRS = ['role', 'tabindex', 'aria-label', 'aria-expanded'];

let hooked = false;
function purifier(): typeof DOMPurify {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      const cls = node.getAttribute('class');
      const spoiler = node.tagName === 'SPAN' && cls === 'spoiler';
      if (cls !== null && !spoiler && !(node.tagName === 'SPAN' && cls === 'spoiler-text')) {
        const kept = CLASSED_TAGS.has(node.tagName) ? cls.split(/\s+/).filter((c) => CODE_CLASS.test(c)) : [];
        if (kept.length > 0) node.setAttribute('class', kept.join(' '));
        else node.removeAttribute('class');
      }
      if (!spoiler) for (const a of SPOILER_ATTRS) node.removeAttribute(a);
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
export function renderRich(text: string, highlight: () => typeof HighlightCode | undefined, labels: { spoiler: string } = { spoiler: 'Spoiler' }): string {
  highlighter = highlight;
  spoilerLabel = labels.spoiler;
  let html: string;
  try {
    html = parseMarkdown(text);
  } finally {
    highlighter = () => undefined;
  }
  return purifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'class', 'target', 'rel', 'start', ...SPOILER_ATTRS],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
    // An attribute not on DOMPurify's URI-safe list must match the URI pattern above, which a
    // spoiler's tabindex ("0") does not.
    ADD_URI_SAFE_ATTR: ['tabindex'],
  });
}
