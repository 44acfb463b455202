/**
 * Types for the css-tree entry points `cssSanitizer.ts` imports. `@types/css-tree` describes only
 * the package root, but the root also loads the property grammar through `createRequire`, which
 * workerd cannot run; the parser, generator, walker and utils entries are self-contained ESM, so
 * the sanitizer imports those and this file points them at the root's types.
 */
declare module 'css-tree/parser' {
  export { parse as default } from 'css-tree';
}
declare module 'css-tree/generator' {
  export { generate as default } from 'css-tree';
}
declare module 'css-tree/walker' {
  export { walk as default } from 'css-tree';
}
declare module 'css-tree/utils' {
  export { clone, ident, List } from 'css-tree';
}
