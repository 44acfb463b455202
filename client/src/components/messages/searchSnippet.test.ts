import { describe, expect, it } from 'vitest';
import { searchSnippet } from './searchSnippet';

const shown = (runs: { text: string; mark: boolean }[]) => runs.map((r) => (r.mark ? `[${r.text}]` : r.text)).join('');

describe('search snippet', () => {
  it('marks the matches in a window around the first one', () => {
    const text = 'the quick brown fox jumps over the lazy dog';
    expect(shown(searchSnippet(text, [[16, 19], [35, 39]]))).toBe('the quick brown [fox] jumps over the [lazy] dog');
  });

  it('cuts long text to its context with ellipses', () => {
    const text = `${'a'.repeat(100)} needle ${'b'.repeat(200)}`;
    const runs = searchSnippet(text, [[101, 107]]);
    expect(runs[0]!.text).toBe('…');
    expect(runs[runs.length - 1]!.text).toBe('…');
    expect(shown(runs)).toContain('[needle]');
  });

  it('covers a spoiler, and marks it whole when the match is inside it', () => {
    const text = 'the ending: ||Rosebud was the sled|| and more';
    expect(shown(searchSnippet(text, [[0, 3]]))).toBe('[the] ending: ▒▒▒ and more');
    const inside = text.indexOf('sled');
    const runs = searchSnippet(text, [[inside, inside + 4]]);
    expect(shown(runs)).toBe('the ending: [▒▒▒] and more');
    expect(runs.map((r) => r.text).join('')).not.toContain('Rosebud');
  });

  it('takes a spoiler cut by the window edge whole, so none of it shows', () => {
    const text = `||${'secret '.repeat(20)}|| then ${'x'.repeat(70)} match here`;
    const at = text.indexOf('match');
    const runs = searchSnippet(text, [[at, at + 5]]);
    expect(runs.map((r) => r.text).join('')).not.toContain('secret');
    expect(shown(runs)).toContain('[match]');
  });
});
