/**
 * Syntax highlighting for fenced code blocks in messages: highlight.js's core with a dozen common
 * languages registered by hand (the full build is several times the size of the chat screen).
 * A block names its language after the fence; without one, the language is guessed among the
 * registered ones only, and a weak guess stays plain text. The output is highlight.js's escaped
 * HTML with `hljs-*` classed spans; it does not sanitize — markdown.ts passes it through
 * DOMPurify like the rest of the message.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';

const LANGUAGES = { bash, c, cpp, css, go, java, javascript, json, python, rust, sql, typescript, xml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);
/** Aliases the grammars do not declare themselves but people type after a fence. */
hljs.registerAliases(['sh', 'shell', 'console'], { languageName: 'bash' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });

/** The names guessing picks from (aliases aside, so each grammar runs once). */
const GUESSABLE = Object.keys(LANGUAGES);

/**
 * Least relevance score for a guessed language to be shown: highlight.js scores a few keywords
 * and punctuation in prose at 1–3, and a wrong colouring reads worse than none.
 */
const MIN_GUESS_RELEVANCE = 5;

/** Longest code block that is highlighted at all; past it the text stays plain, so a huge paste cannot stall rendering. */
const MAX_HIGHLIGHT_CHARS = 20_000;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** A code block as escaped HTML, and the language it was highlighted as (undefined: plain text). */
export interface HighlightedCode {
  html: string;
  language: string | undefined;
}

/**
 * Highlights `code`. `info` is what follows the opening fence (e.g. `ts` or `python title=x`);
 * its first word names the language. An unknown language is shown plain rather than guessed.
 */
export function highlightCode(code: string, info: string | undefined): HighlightedCode {
  const requested = info?.trim().split(/\s+/)[0]?.toLowerCase() || undefined;
  if (code.length > MAX_HIGHLIGHT_CHARS) return { html: escapeHtml(code), language: undefined };
  if (requested) {
    const language = hljs.getLanguage(requested);
    if (!language) return { html: escapeHtml(code), language: undefined };
    return { html: hljs.highlight(code, { language: requested, ignoreIllegals: true }).value, language: requested };
  }
  const guess = hljs.highlightAuto(code, GUESSABLE);
  if (!guess.language || guess.relevance < MIN_GUESS_RELEVANCE) return { html: escapeHtml(code), language: undefined };
  return { html: guess.value, language: guess.language };
}
