import { describe, expect, it } from 'vitest';
import { isPlainText } from './markdown';
import { parseMarkdown } from './markdownFull';
import { COVERED, hideSpoilers } from './spoilers';

describe('spoilers', () => {
  it('||text|| is drawn covered, a button named for what it is, with its Markdown inside', () => {
    expect(isPlainText('the end: ||he did it||')).toBe(false);
    expect(parseMarkdown('the end: ||he did it||')).toBe('<p>the end: <span class="spoiler" role="button" tabindex="0" aria-expanded="false" aria-label="Spoiler"><span class="spoiler-text">he did it</span></span></p>\n');
    expect(parseMarkdown('||**loud** and `code`||')).toContain('<span class="spoiler-text"><strong>loud</strong> and <code>code</code></span>');
    expect(parseMarkdown('a ||one|| b ||two||').match(/class="spoiler"/g)).toHaveLength(2);
  });
  it('bars that cover nothing, or start with a space, are text', () => {
    expect(parseMarkdown('a || b')).not.toContain('spoiler');
    expect(parseMarkdown('|| spaced||')).not.toContain('spoiler');
    expect(parseMarkdown('||||')).not.toContain('spoiler');
  });
  it('where the text cannot be uncovered (a notification, a quote) the spoiler is left out', () => {
    expect(hideSpoilers('the end: ||he did it|| and ||the maid||!')).toBe(`the end: ${COVERED} and ${COVERED}!`);
    expect(hideSpoilers('a || b')).toBe('a || b');
  });
});
