/**
 * Community theming (issue #16 item 8): the one selector a community's custom CSS is scoped to.
 * The server sanitizes every theme under it (worker/moderation/cssSanitizer.ts) and the client
 * puts the same attribute on the element that holds the community's views, so a theme reaches
 * nothing else. Community ids are [A-Za-z0-9_-], so the id needs no escaping inside the quotes.
 */
export const themeScope = (communityId: string): string => `[data-community-theme="${communityId}"]`;
