/**
 * The built-in emoji the picker and `:name` autocomplete offer: a curated set with names and a
 * few search words each. Bundled with the client — nothing is fetched from anywhere.
 */
export interface EmojiEntry {
  /** What is inserted: the character, or `:name:` for a community's custom emoji. */
  emoji: string;
  name: string;
  words?: string;
  /** A custom emoji's picture URL. */
  image?: string;
}

export const EMOJI: readonly EmojiEntry[] = [
  { emoji: '👍', name: 'thumbsup', words: 'yes like agree +1' },
  { emoji: '👎', name: 'thumbsdown', words: 'no dislike -1' },
  { emoji: '❤️', name: 'heart', words: 'love' },
  { emoji: '😂', name: 'joy', words: 'laugh lol tears' },
  { emoji: '😄', name: 'smile', words: 'happy' },
  { emoji: '🙂', name: 'slight_smile' },
  { emoji: '😉', name: 'wink' },
  { emoji: '😍', name: 'heart_eyes', words: 'love' },
  { emoji: '🤔', name: 'thinking', words: 'hmm' },
  { emoji: '😮', name: 'open_mouth', words: 'wow surprised' },
  { emoji: '😢', name: 'cry', words: 'sad' },
  { emoji: '😡', name: 'angry', words: 'mad' },
  { emoji: '😎', name: 'sunglasses', words: 'cool' },
  { emoji: '🙏', name: 'pray', words: 'thanks please' },
  { emoji: '👏', name: 'clap', words: 'applause bravo' },
  { emoji: '🙌', name: 'raised_hands', words: 'hooray' },
  { emoji: '👀', name: 'eyes', words: 'look' },
  { emoji: '🎉', name: 'tada', words: 'party celebrate' },
  { emoji: '🔥', name: 'fire', words: 'lit hot' },
  { emoji: '✅', name: 'white_check_mark', words: 'done ok yes check' },
  { emoji: '❌', name: 'x', words: 'no wrong cross' },
  { emoji: '💯', name: '100', words: 'perfect hundred' },
  { emoji: '🚀', name: 'rocket', words: 'ship launch' },
  { emoji: '⭐', name: 'star' },
  { emoji: '☕', name: 'coffee' },
  { emoji: '🍕', name: 'pizza' },
  { emoji: '📚', name: 'books', words: 'read library' },
  { emoji: '🔒', name: 'lock', words: 'secure encrypted' },
  { emoji: '🐛', name: 'bug' },
  { emoji: '💡', name: 'bulb', words: 'idea' },
  { emoji: '👋', name: 'wave', words: 'hello hi bye' },
  { emoji: '🤝', name: 'handshake', words: 'deal' },
];

/** Emoji whose name or words contain `query` (names that start with it first), at most `limit`; a community's own (`custom`) come first. */
export function searchEmoji(query: string, limit = 8, custom: readonly EmojiEntry[] = []): EmojiEntry[] {
  const q = query.toLowerCase();
  const all = [...custom, ...EMOJI];
  if (!q) return all.slice(0, limit);
  const hits = all.filter((e) => e.name.includes(q) || e.words?.includes(q));
  return hits.sort((a, b) => Number(!a.name.startsWith(q)) - Number(!b.name.startsWith(q))).slice(0, limit);
}
