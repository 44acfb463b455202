/**
 * Community custom CSS (issue #16 item 8): what a community's theme may say, checked on the
 * server before it is stored, so every member's client receives only a stylesheet that is
 * confined to the community's own element and cannot send anything anywhere.
 *
 * Summary for SECURITY.md. A theme is parsed with css-tree (tolerantly: what it cannot read is
 * dropped) and rebuilt by css-tree's generator from an allow-listed tree, never by editing the
 * input text. Only style rules, `@media` holding style rules, and `@keyframes` (renamed with a
 * per-community prefix so they cannot replace the app's animations) survive; every other at-rule
 * (`@import`, `@font-face`, `@namespace`, `@supports`, `@layer`, `@container`, `@page`, …) is
 * dropped. Every selector is scoped as a descendant of the community's scope selector, and
 * `:root`, `html`, `body` and `*` at its start become the scope element itself. Selectors that
 * could read what people type or hold are dropped: no attribute selectors at all, no namespaces,
 * no `:has()`, `:placeholder-shown`, `:checked`, `:valid`/`:invalid`, `:visited` or any other
 * pseudo-class outside a short list of structural and pointer/focus ones. Declarations pass only
 * for listed properties (colours, backgrounds, borders, fonts, text, spacing, sizes, flex/grid
 * alignment, transforms, transitions, animations, custom properties), with values built only
 * from plain tokens and listed functions; `url()` is allowed only in background, border-image
 * and list-style images, and only for a path under the instance's own image route (no scheme,
 * no `//`, no `..` or `%`, no backslash). At-rule, property, function and pseudo-class names are
 * compared after decoding CSS escapes, and a comment inside a name splits it into two tokens
 * rather than hiding it, so `@\69mport`, `\75rl(` and `expression(` with a comment in the middle
 * are read as a browser would read them, and dropped.
 *
 * The theme is also kept in its box: `position` may only be static, relative or absolute (never
 * fixed or sticky), `z-index` is clamped to ±10, `display: contents` and reversed flex order are
 * refused, and `!important` is stripped so the app's own `!important` rules win. The client must
 * give the scope element `position: relative; overflow: hidden; contain: paint; isolation:
 * isolate; display: block` with `!important`, so absolutely positioned content stays inside it,
 * and keep safety UI (verification warnings, report buttons) outside it: a theme can still hide,
 * recolour or move anything inside its own element. No output contains `<`, so it cannot close a
 * `<style>` element. This module does not store, fetch or apply CSS, and does not check that the
 * images it links to exist.
 */
import generate from 'css-tree/generator';
import parse from 'css-tree/parser';
import { clone, ident, List } from 'css-tree/utils';
import walk from 'css-tree/walker';
import type { Atrule, Block, Combinator, CssNode, Declaration, Rule, Selector, SelectorList } from 'css-tree';

/** Largest theme accepted, in UTF-8 bytes: a full theme fits in a few KiB, and every member's client parses it. */
export const MAX_COMMUNITY_CSS_BYTES = 16_384;

/** Output may be this many times the input limit: scoping lengthens every selector, and more means a list built to amplify. */
const OUTPUT_GROWTH = 2;

/** Deepest bracket nesting read: css-tree parses brackets recursively and workerd's stack is small; real themes nest calc() a few levels. */
const MAX_NESTING = 32;

/** Most reasons returned: the settings screen lists them, and a pasted attack sheet would give one per line. */
const MAX_REASONS = 50;

/** Highest (and, negated, lowest) z-index kept: enough to layer a theme's own decorations, never above the app's overlays. */
const MAX_Z_INDEX = 10;

/** Longest piece of the input quoted in a reason. */
const SNIPPET_CHARS = 80;

/** What the sanitizer needs to know about the community and the instance. */
export interface CommunityCssOptions {
  /** One compound selector that matches the community's element, e.g. `[data-community-theme="abc"]`. */
  scope: string;
  /** Path of the instance's own images, e.g. `/api/images/`; the only place `url()` may point. */
  blobUrlPrefix: string;
  /** Input limit in UTF-8 bytes; defaults to {@link MAX_COMMUNITY_CSS_BYTES}. */
  maxBytes?: number;
}

/** The stylesheet to store and serve, and short reasons for everything that was dropped or changed. */
export interface SanitizedCss {
  css: string;
  removed: string[];
}

const SIMPLE_PSEUDO_CLASSES = new Set([
  'hover',
  'focus',
  'focus-visible',
  'focus-within',
  'active',
  'first-child',
  'last-child',
  'only-child',
  'first-of-type',
  'last-of-type',
  'only-of-type',
]);
const NTH_PSEUDO_CLASSES = new Set(['nth-child', 'nth-last-child', 'nth-of-type', 'nth-last-of-type']);
const PSEUDO_ELEMENTS = new Set([
  'before',
  'after',
  'first-line',
  'first-letter',
  'selection',
  'marker',
  '-webkit-scrollbar',
  '-webkit-scrollbar-thumb',
  '-webkit-scrollbar-track',
]);
/** Type selectors that name the page; at a selector's start they become the scope element. */
const PAGE_ROOTS = new Set(['html', 'body', '*']);

const sides = (base: string, suffix = '') => ['top', 'right', 'bottom', 'left'].map((side) => `${base}-${side}${suffix}`);
const PROPERTIES = new Set([
  // Colour and background.
  'color', 'opacity', 'accent-color', 'caret-color', 'color-scheme',
  'background', 'background-color', 'background-image', 'background-position', 'background-position-x',
  'background-position-y', 'background-size', 'background-repeat', 'background-attachment', 'background-clip',
  'background-origin', 'background-blend-mode',
  // Borders, outlines, shadows.
  'border', 'border-width', 'border-style', 'border-color', ...sides('border'), ...sides('border', '-width'),
  ...sides('border', '-style'), ...sides('border', '-color'), 'border-radius', 'border-top-left-radius',
  'border-top-right-radius', 'border-bottom-right-radius', 'border-bottom-left-radius', 'border-collapse',
  'border-spacing', 'border-image', 'border-image-source', 'border-image-slice', 'border-image-width',
  'border-image-outset', 'border-image-repeat',
  'outline', 'outline-width', 'outline-style', 'outline-color', 'outline-offset', 'box-shadow', 'text-shadow',
  // Fonts and text.
  'font', 'font-family', 'font-size', 'font-weight', 'font-style', 'font-variant', 'font-stretch', 'line-height',
  'letter-spacing', 'word-spacing', 'text-align', 'text-decoration', 'text-decoration-line', 'text-decoration-color',
  'text-decoration-style', 'text-decoration-thickness', 'text-underline-offset', 'text-transform', 'text-indent',
  'text-overflow', 'white-space', 'word-break', 'overflow-wrap', 'vertical-align', 'list-style', 'list-style-type',
  'list-style-position', 'list-style-image', 'content',
  // Box and spacing.
  'margin', ...sides('margin'), 'padding', ...sides('padding'), 'width', 'height', 'min-width', 'min-height',
  'max-width', 'max-height', 'box-sizing', 'aspect-ratio', 'overflow', 'overflow-x', 'overflow-y', 'visibility',
  // Layout.
  'display', 'position', 'top', 'right', 'bottom', 'left', 'inset', 'z-index', 'gap', 'row-gap', 'column-gap',
  'flex', 'flex-grow', 'flex-shrink', 'flex-basis', 'flex-direction', 'flex-wrap', 'align-items', 'align-self',
  'align-content', 'justify-content', 'justify-items', 'justify-self', 'place-items', 'place-self', 'place-content',
  'grid-template-columns', 'grid-template-rows', 'grid-template-areas', 'grid-column', 'grid-row', 'grid-area',
  'grid-auto-flow', 'grid-auto-columns', 'grid-auto-rows', 'object-fit', 'object-position',
  // Motion and effects.
  'transform', 'transform-origin', 'transition', 'transition-property', 'transition-duration',
  'transition-timing-function', 'transition-delay', 'animation', 'animation-name', 'animation-duration',
  'animation-timing-function', 'animation-delay', 'animation-iteration-count', 'animation-direction',
  'animation-fill-mode', 'animation-play-state', 'filter', 'backdrop-filter', 'cursor', 'scrollbar-color',
  'scrollbar-width',
]);
/** Properties whose value may hold `url()` (still only to the instance's images); custom properties too. */
const URL_PROPERTIES = new Set(['background', 'background-image', 'border-image', 'border-image-source', 'list-style', 'list-style-image']);
/** Properties whose value may hold quoted text; custom properties too. */
const STRING_PROPERTIES = new Set(['font', 'font-family', 'content', 'grid-template-areas']);
/** Properties that must be one keyword from a list (and so no `var()`, which could smuggle another). */
const KEYWORD_PROPERTIES = new Map([
  // Fixed and sticky escape the scope element's box; absolute stays inside its `position: relative`.
  ['position', new Set(['static', 'relative', 'absolute'])],
  // `contents` removes an element's box, and with it any containment the app gives it.
  ['display', new Set(['none', 'block', 'inline', 'inline-block', 'flex', 'inline-flex', 'grid', 'inline-grid', 'flow-root', 'list-item', 'table', 'table-row', 'table-cell'])],
  // Reversing a message list would misstate the order of a conversation.
  ['flex-direction', new Set(['row', 'column'])],
]);
/** Properties that may not use `var()`: their values are checked as written. */
const NO_VAR_PROPERTIES = new Set(['position', 'display', 'flex-direction', 'z-index', 'animation', 'animation-name']);
/** Identifiers of the `animation` shorthand that are not names (everything else is a name and gets the prefix). */
const ANIMATION_KEYWORDS = new Set([
  'none', 'initial', 'inherit', 'unset', 'revert', 'revert-layer', 'infinite', 'normal', 'reverse', 'alternate',
  'alternate-reverse', 'forwards', 'backwards', 'both', 'running', 'paused', 'ease', 'ease-in', 'ease-out',
  'ease-in-out', 'linear', 'step-start', 'step-end',
]);
const FUNCTIONS = new Set([
  'rgb', 'rgba', 'hsl', 'hsla', 'hwb', 'lab', 'lch', 'oklab', 'oklch', 'color', 'color-mix', 'light-dark',
  'calc', 'min', 'max', 'clamp', 'var',
  'linear-gradient', 'radial-gradient', 'conic-gradient', 'repeating-linear-gradient', 'repeating-radial-gradient',
  'repeating-conic-gradient',
  'translate', 'translatex', 'translatey', 'rotate', 'scale', 'scalex', 'scaley', 'skew', 'skewx', 'skewy',
  'cubic-bezier', 'steps',
  'blur', 'brightness', 'contrast', 'drop-shadow', 'grayscale', 'hue-rotate', 'invert', 'opacity', 'saturate', 'sepia',
  'repeat', 'minmax', 'fit-content',
]);
const OPERATORS = new Set([',', '/', '+', '-', '*']);
/** Node types a media query may contain; ranges (`width < 600px`) are left out because they need `<`. */
const MEDIA_NODES = new Set(['AtrulePrelude', 'MediaQueryList', 'MediaQuery', 'Condition', 'Feature', 'Identifier', 'Number', 'Dimension', 'Ratio']);
/** What follows the image prefix: path segments of URL-safe characters, none starting with a dot. */
const IMAGE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;
/** A second look at each kept declaration, in case a rule above has a gap: none of these belong in a theme. */
const NEVER = /expression\(|javascript:|vbscript:|-moz-binding|behavior:|image-set\(|@import/;

/** Per-call state: the scope, the prefix for keyframe names, and the reasons collected so far. */
interface Pass {
  scope: CssNode[];
  keyframesPrefix: string;
  blobUrlPrefix: string;
  removed: string[];
  unlisted: number;
}

/**
 * Checks a community's custom CSS and returns the stylesheet to store: only allow-listed rules,
 * selectors, properties and values, every selector inside `options.scope`, regenerated by
 * css-tree. `removed` says, in short sentences, what was dropped or changed and why.
 *
 * @throws RangeError when the input is larger than `maxBytes` or nested too deeply to read.
 * @throws TypeError when `options.scope` or `options.blobUrlPrefix` is not usable.
 */
export function sanitizeCommunityCss(css: string, options: CommunityCssOptions): SanitizedCss {
  const maxBytes = options.maxBytes ?? MAX_COMMUNITY_CSS_BYTES;
  if (typeof css !== 'string') throw new TypeError('css must be a string');
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) throw new TypeError('options.maxBytes must be a positive integer');
  const size = byteLength(css);
  if (size > maxBytes) throw new RangeError(`Custom CSS is ${size} bytes; the limit is ${maxBytes} bytes.`);
  if (nestingDepth(css) > MAX_NESTING) throw new RangeError(`Custom CSS nests brackets more than ${MAX_NESTING} levels deep.`);

  const pass: Pass = { ...checkOptions(options), removed: [], unlisted: 0 };
  let sheet: CssNode;
  try {
    sheet = parse(css, { parseCustomProperty: true });
  } catch {
    // Tolerant parsing turns bad input into Raw nodes; a throw means a limit inside css-tree.
    throw new RangeError('Custom CSS could not be read.');
  }
  if (sheet.type !== 'StyleSheet') throw new RangeError('Custom CSS could not be read.');

  const kept: CssNode[] = [];
  let outputBytes = 0;
  const maxOutput = maxBytes * OUTPUT_GROWTH;
  for (const node of sheet.children) {
    const clean = topLevel(node, pass);
    if (!clean) continue;
    const text = generate(clean);
    if (text.includes('<')) {
      note(pass, `"<" is not allowed: ${snippet(text)}`);
      continue;
    }
    outputBytes += byteLength(text);
    if (outputBytes > maxOutput) {
      note(pass, `the rest was dropped: the scoped stylesheet would pass ${maxOutput} bytes`);
      break;
    }
    kept.push(clean);
  }
  const out = generate({ type: 'StyleSheet', children: new List<CssNode>().fromArray(kept) });
  // Each kept node was checked above; this only guards the promise that no `<` ever leaves.
  if (out.includes('<')) throw new Error('cssSanitizer produced "<"');
  if (pass.unlisted > 0) pass.removed.push(`…and ${pass.unlisted} more`);
  return { css: out, removed: pass.removed };
}

function checkOptions(options: CommunityCssOptions): Omit<Pass, 'removed' | 'unlisted'> {
  const { scope, blobUrlPrefix } = options;
  let parsed: CssNode | null = null;
  if (typeof scope === 'string' && scope.length <= 200 && !scope.includes('<')) {
    let failed = false;
    try {
      const node = parse(scope, { context: 'selector', onParseError: () => (failed = true) });
      if (!failed && node.type === 'Selector' && !node.children.isEmpty && !node.children.some((n) => n.type === 'Combinator')) parsed = node;
    } catch {
      // An empty or unreadable scope; reported below.
    }
  }
  if (!parsed || parsed.type !== 'Selector') throw new TypeError('options.scope must be one compound selector, such as [data-community-theme="abc"]');
  if (typeof blobUrlPrefix !== 'string' || !/^\/[A-Za-z0-9_-][A-Za-z0-9_/-]*\/$/.test(blobUrlPrefix) || blobUrlPrefix.includes('//')) {
    throw new TypeError('options.blobUrlPrefix must be a path such as /api/images/');
  }
  // Keyframe names share one namespace per document, so a community's are prefixed with a name made from its scope.
  const slug = scope.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z]+|-+$/g, '');
  const keyframesPrefix = `${slug || 'community'}--`;
  return { scope: parsed.children.toArray(), keyframesPrefix, blobUrlPrefix };
}

function topLevel(node: CssNode, pass: Pass): CssNode | null {
  switch (node.type) {
    case 'Rule':
      return styleRule(node, pass);
    case 'Atrule': {
      const name = lower(ident.decode(node.name));
      if (name === 'media') return media(node, pass);
      if (name === 'keyframes') return keyframes(node, pass);
      note(pass, `@${snippet(name)} is not allowed`);
      return null;
    }
    case 'Raw':
      note(pass, `could not read: ${snippet(node.value)}`);
      return null;
    default:
      // Comments, `<!--` and `-->` carry nothing a theme needs.
      return null;
  }
}

function media(rule: Atrule, pass: Pass): Atrule | null {
  const prelude = rule.prelude;
  const text = prelude ? generate(prelude) : '';
  let readable = prelude?.type === 'AtrulePrelude';
  if (prelude) {
    walk(prelude, (n) => {
      if (!MEDIA_NODES.has(n.type)) readable = false;
    });
  }
  if (!prelude || !readable || text.includes('<')) {
    note(pass, `@media query is not allowed (use min-width/max-width): ${snippet(text)}`);
    return null;
  }
  const rules: CssNode[] = [];
  for (const child of rule.block?.children ?? []) {
    if (child.type !== 'Rule') {
      note(pass, `only style rules are allowed inside @media: ${snippet(generate(child))}`);
      continue;
    }
    const clean = styleRule(child, pass);
    if (clean) rules.push(clean);
  }
  if (rules.length === 0) return null;
  return { type: 'Atrule', name: 'media', prelude, block: { type: 'Block', children: new List<CssNode>().fromArray(rules) } };
}

function keyframes(rule: Atrule, pass: Pass): Atrule | null {
  const parts = rule.prelude?.type === 'AtrulePrelude' ? rule.prelude.children.toArray() : [];
  const first = parts[0];
  const name = parts.length !== 1 || !first ? '' : first.type === 'Identifier' ? ident.decode(first.name) : first.type === 'String' ? first.value : '';
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) || !rule.block) {
    note(pass, `@keyframes needs a plain name: ${snippet(rule.prelude ? generate(rule.prelude) : '')}`);
    return null;
  }
  const frames: CssNode[] = [];
  for (const child of rule.block.children) {
    const selectors = child.type === 'Rule' && child.prelude.type === 'SelectorList' ? child.prelude.children.toArray() : [];
    const offsets = selectors.every((s) => {
      const only = s.type === 'Selector' && s.children.size === 1 ? s.children.first : null;
      if (only?.type === 'Percentage') return true;
      if (only?.type !== 'TypeSelector') return false;
      only.name = lower(ident.decode(only.name));
      return only.name === 'from' || only.name === 'to';
    });
    if (child.type !== 'Rule' || selectors.length === 0 || !offsets) {
      note(pass, `a keyframe must be from, to or a percentage: ${snippet(generate(child))}`);
      continue;
    }
    const block = declarations(child.block, pass);
    if (block) frames.push({ type: 'Rule', prelude: child.prelude, block });
  }
  const prelude = { type: 'AtrulePrelude' as const, children: new List<CssNode>().fromArray([{ type: 'Identifier', name: pass.keyframesPrefix + name }]) };
  return { type: 'Atrule', name: 'keyframes', prelude, block: { type: 'Block', children: new List<CssNode>().fromArray(frames) } };
}

function styleRule(rule: Rule, pass: Pass): Rule | null {
  if (rule.prelude.type !== 'SelectorList') {
    note(pass, `could not read selector: ${snippet(generate(rule.prelude))}`);
    return null;
  }
  const selectors: CssNode[] = [];
  for (const selector of rule.prelude.children) {
    if (selector.type !== 'Selector') continue;
    const original = generate(selector);
    const scoped = scopeSelector(selector, pass);
    if (typeof scoped === 'string') note(pass, `${scoped}: ${snippet(original)}`);
    else selectors.push(scoped);
  }
  if (selectors.length === 0) return null;
  const block = declarations(rule.block, pass);
  if (!block) return null;
  const prelude: SelectorList = { type: 'SelectorList', children: new List<CssNode>().fromArray(selectors) };
  return { type: 'Rule', prelude, block };
}

/**
 * Puts one selector inside the scope, or says why it cannot be: `:root`, `html`, `body` and `*`
 * at the start become the scope element (keeping any classes or pseudo-classes on them); any
 * other selector becomes a descendant of it.
 */
function scopeSelector(selector: Selector, pass: Pass): Selector | string {
  const compounds: CssNode[][] = [[]];
  const combinators: Combinator[] = [];
  for (const node of selector.children) {
    if (node.type === 'Combinator') {
      if (![' ', '>', '+', '~'].includes(node.name)) return `the "${node.name}" combinator is not allowed`;
      if (compounds.at(-1)!.length === 0) return 'a selector cannot start or continue with a combinator';
      combinators.push(node);
      compounds.push([]);
      continue;
    }
    const problem = simpleSelector(node, false);
    if (problem) return problem;
    compounds.at(-1)!.push(node);
  }
  if (compounds.at(-1)!.length === 0) return 'a selector cannot end with a combinator';

  const merged: CssNode[] = [];
  let start = 0;
  while (start < compounds.length && isPageRoot(compounds[start]!)) {
    const rest = compounds[start]!.filter((n) => !isRootPart(n));
    if (rest.some((n) => n.type === 'TypeSelector')) return 'an element name cannot be the page root';
    merged.push(...rest);
    const next = combinators[start];
    if (next && (next.name === '+' || next.name === '~')) return 'siblings of the page root are outside the theme';
    start++;
  }
  if (compounds.slice(start).some((c) => c.some((n) => n.type === 'PseudoClassSelector' && n.name === 'root'))) return ':root is only allowed at the start';

  const nodes: CssNode[] = [...pass.scope.map((n) => clone(n)), ...merged];
  if (start < compounds.length) {
    nodes.push(start === 0 ? { type: 'Combinator', name: ' ' } : combinators[start - 1]!);
    compounds.slice(start).forEach((compound, i) => {
      if (i > 0) nodes.push(combinators[start + i - 1]!);
      nodes.push(...compound);
    });
  }
  const scoped: Selector = { type: 'Selector', children: new List<CssNode>().fromArray(nodes) };
  if (generate(scoped).includes('<')) return '"<" is not allowed';
  return scoped;
}

const isRootPart = (n: CssNode) =>
  (n.type === 'TypeSelector' && PAGE_ROOTS.has(n.name)) || (n.type === 'PseudoClassSelector' && n.name === 'root');
const isPageRoot = (compound: CssNode[]) => compound.some(isRootPart);

/** Checks one simple selector, normalising escaped and upper-case names in place; a reason if it is not allowed. */
function simpleSelector(node: CssNode, insideNot: boolean): string | null {
  switch (node.type) {
    case 'ClassSelector':
    case 'IdSelector':
      return null;
    case 'TypeSelector':
      if (node.name.includes('|')) return 'namespace selectors are not allowed';
      if (PAGE_ROOTS.has(lower(ident.decode(node.name)))) node.name = lower(ident.decode(node.name));
      return null;
    case 'AttributeSelector':
      return 'attribute selectors are not allowed';
    case 'PseudoElementSelector': {
      const name = lower(ident.decode(node.name));
      if (insideNot || node.children || !PSEUDO_ELEMENTS.has(name)) return `::${name} is not allowed`;
      node.name = name;
      return null;
    }
    case 'PseudoClassSelector': {
      const name = lower(ident.decode(node.name));
      node.name = name;
      const args = node.children?.toArray() ?? null;
      if (name === 'root' && !insideNot && !args) return null;
      if (SIMPLE_PSEUDO_CLASSES.has(name) && !args) return null;
      if (NTH_PSEUDO_CLASSES.has(name) && args?.length === 1 && args[0]!.type === 'Nth' && !args[0]!.selector) return null;
      if (name === 'not' && args?.length === 1 && args[0]!.type === 'SelectorList') {
        for (const inner of args[0]!.children) {
          if (inner.type !== 'Selector') return ':not() may hold only simple selectors';
          for (const part of inner.children) {
            if (part.type === 'Combinator') return ':not() may hold only simple selectors';
            const problem = simpleSelector(part, true);
            if (problem) return problem;
          }
        }
        return null;
      }
      if (PSEUDO_ELEMENTS.has(name) && !args) return `:${name} is not allowed; write ::${name}`;
      return `:${name}${args ? '()' : ''} is not allowed`;
    }
    case 'NestingSelector':
      return 'nested selectors (&) are not allowed';
    default:
      return 'this selector is not allowed';
  }
}

/** The allowed declarations of a block, or null when none is left. */
function declarations(block: Block, pass: Pass): Block | null {
  const kept: CssNode[] = [];
  for (const child of block.children) {
    if (child.type === 'Declaration') {
      const clean = declaration(child, pass);
      if (clean) kept.push(clean);
    } else if (child.type === 'Raw') {
      if (child.value.replace(/[;\s]/g, '')) note(pass, `could not read: ${snippet(child.value)}`);
    } else if (child.type === 'Rule' || child.type === 'Atrule') {
      note(pass, `nested rules are not allowed: ${snippet(generate(child))}`);
    }
  }
  return kept.length ? { type: 'Block', children: new List<CssNode>().fromArray(kept) } : null;
}

function declaration(decl: Declaration, pass: Pass): Declaration | null {
  const decoded = ident.decode(decl.property);
  const custom = decoded.startsWith('--');
  const property = custom ? decoded : lower(decoded);
  if (custom ? !/^--[A-Za-z0-9_-]+$/.test(property) : !PROPERTIES.has(property)) {
    note(pass, `the property "${snippet(property)}" is not allowed`);
    return null;
  }
  const reject = (why: string) => {
    note(pass, `${why}: ${snippet(`${property}:${generate(decl.value)}`)}`);
    return null;
  };
  if (decl.value.type !== 'Value') return reject('could not read the value');
  const value = decl.value;

  const changes: string[] = [];
  let problem: string | null = null;
  walk(value, (node) => {
    problem ??= valuePart(node, property, custom, pass.blobUrlPrefix);
  });
  if (problem) return reject(problem);

  const keywords = KEYWORD_PROPERTIES.get(property);
  const parts = value.children.toArray();
  const only = parts.length === 1 ? parts[0]! : null;
  if (keywords) {
    const word = only?.type === 'Identifier' ? lower(ident.decode(only.name)) : '';
    if (!keywords.has(word) || only?.type !== 'Identifier') return reject(`this ${property} value is not allowed`);
    only.name = word;
  }
  if (property === 'z-index') {
    if (only?.type === 'Identifier' && lower(ident.decode(only.name)) === 'auto') only.name = 'auto';
    else if (only?.type === 'Number' && /^[+-]?\d+$/.test(only.value)) {
      const z = Number(only.value);
      const clamped = Math.max(-MAX_Z_INDEX, Math.min(MAX_Z_INDEX, z));
      if (clamped !== z) changes.push(`z-index ${snippet(only.value)} was changed to ${clamped}`);
      only.value = String(clamped);
    } else return reject('z-index must be a whole number or auto');
  }
  if (property === 'animation' || property === 'animation-name') {
    for (const part of parts) {
      if (part.type !== 'Identifier') continue;
      const name = ident.decode(part.name);
      if (ANIMATION_KEYWORDS.has(lower(name))) continue;
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) return reject('animation names must be plain names');
      part.name = pass.keyframesPrefix + name;
    }
  }
  const clean: Declaration = { type: 'Declaration', important: false, property, value };
  const text = generate(clean);
  if (text.includes('<')) return reject('"<" is not allowed');
  if (NEVER.test(lower(unescape(text)).replace(/\s+/g, ''))) return reject('this value is not allowed');
  if (decl.important) changes.push(`!important was removed from ${property}`);
  for (const change of changes) note(pass, change);
  return clean;
}

/** Checks one node of a declaration's value; a reason if it is not allowed. */
function valuePart(node: CssNode, property: string, custom: boolean, blobUrlPrefix: string): string | null {
  switch (node.type) {
    case 'Value':
    case 'Identifier':
    case 'Number':
    case 'Dimension':
    case 'Percentage':
    case 'Hash':
    case 'Parentheses':
    case 'Brackets':
    case 'WhiteSpace':
      return null;
    case 'Operator':
      return OPERATORS.has(node.value) ? null : `"${node.value}" is not allowed in a value`;
    case 'String':
      return custom || STRING_PROPERTIES.has(property) ? null : `quoted text is not allowed in ${property}`;
    case 'Url':
      if (!custom && !URL_PROPERTIES.has(property)) return `url() is not allowed in ${property}`;
      return imagePath(node.value, blobUrlPrefix) ? null : `url() may only point to ${blobUrlPrefix}`;
    case 'Function': {
      const name = lower(ident.decode(node.name));
      if (!FUNCTIONS.has(name)) return `${name}() is not allowed`;
      if (name === 'var' && NO_VAR_PROPERTIES.has(property)) return `var() is not allowed in ${property}`;
      node.name = name;
      return null;
    }
    default:
      return 'could not read the value';
  }
}

/** True when a decoded `url()` is a plain path under the instance's image route. */
function imagePath(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  const rest = url.slice(prefix.length);
  return IMAGE_PATH.test(rest) && !rest.includes('..');
}

function note(pass: Pass, reason: string): void {
  if (pass.removed.length < MAX_REASONS) pass.removed.push(reason);
  else pass.unlisted++;
}

/** ASCII lower case: CSS names are ASCII case-insensitive, and Unicode lower-casing would match names a browser does not. */
const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Undoes CSS escapes in generated text, for the final check. */
const unescape = (s: string) =>
  s.replace(/\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|([\s\S]))/g, (_, hex: string | undefined, ch: string | undefined) => {
    if (!hex) return ch ?? '';
    const code = parseInt(hex, 16);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
  });

const snippet = (s: string) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET_CHARS ? `${flat.slice(0, SNIPPET_CHARS - 1)}…` : flat;
};

const byteLength = (s: string) => new TextEncoder().encode(s).length;

/** Deepest bracket nesting, counting brackets in strings and comments too (an overestimate is safe). */
function nestingDepth(css: string): number {
  let depth = 0;
  let deepest = 0;
  for (const ch of css) {
    if (ch === '(' || ch === '[' || ch === '{') deepest = Math.max(deepest, ++depth);
    else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return deepest;
}
