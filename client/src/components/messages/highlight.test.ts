import { describe, expect, it } from 'vitest';
import { highlightCode } from './highlight';

describe('highlightCode', () => {
  it('highlights a named language, by name or alias, with hljs token spans', () => {
    const ts = highlightCode('const x: number = 1;', 'ts');
    expect(ts.language).toBe('ts');
    expect(ts.html).toContain('<span class="hljs-keyword">const</span>');
    expect(highlightCode('fn main() {}', 'rust title=main.rs').html).toContain('hljs-keyword');
    expect(highlightCode('echo "$HOME"', 'sh').html).toContain('hljs-built_in');
  });

  it('escapes the code it highlights', () => {
    const { html } = highlightCode('const s = "<img src=x onerror=alert(1)>";', 'js');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img');
  });

  it('shows an unknown language plain instead of guessing', () => {
    expect(highlightCode('SELECT 1 <b>', 'cobol')).toEqual({ html: 'SELECT 1 &lt;b&gt;', language: undefined });
  });

  it('guesses among the registered languages only when none is named, and leaves prose plain', () => {
    const guessed = highlightCode('def greet(name):\n    return f"hello {name}"\n\nclass Foo(object):\n    pass\n', undefined);
    expect(guessed.language).toBe('python');
    expect(highlightCode('just some words, nothing more', undefined)).toEqual({ html: 'just some words, nothing more', language: undefined });
  });
});
