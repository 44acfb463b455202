import { describe, expect, it } from 'vitest';
import { isPlainText } from './markdown';
import { parseMarkdown } from './markdownFull';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

describe('plain-text fast path', () => {
  const plain = [
    'History message 5 of 1000: the quick brown fox jumps over the lazy dog.',
    'hello',
    "it's fine, really (mostly) — 100% sure?",
    'Ça va? Très bien! Grüße aus Köln',
    'مرحبا بالعالم',
    'こんにちは世界',
    'lol 😂👍🏽 👨‍👩‍👧',
    'see you at 5:30 / maybe 6',
    'a+b=c and x-y',
    'He said "yes"',
    'costs $5 or 4 €',
  ];
  it.each(plain)('takes the fast path and gives what the parser gives: %s', (text) => {
    expect(isPlainText(text)).toBe(true);
    expect(parseMarkdown(text)).toBe(`<p>${escape(text)}</p>\n`);
  });

  const markdown = [
    '**bold**',
    '_em_',
    '`code`',
    '# heading',
    '- item',
    '1. item',
    '> quote',
    'line one\nline two',
    'see https://example.com',
    'go to www.example.com',
    'mail me at a@example.com',
    '<b>html</b>',
    'a & b',
    '[link](https://x)',
    'trailing space ',
    ' leading space',
    'strike ~~this~~',
    'a | b',
    'back\\slash',
    '',
  ];
  it.each(markdown)('leaves anything Markdown could change to the parser: %j', (text) => {
    expect(isPlainText(text)).toBe(false);
  });
});
