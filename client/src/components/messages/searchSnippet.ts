import { COVERED, SPOILER } from './spoilers';

/** Characters of context shown around the first match. */
export const CONTEXT = 60;

export interface SnippetRun {
  text: string;
  mark: boolean;
}

/**
 * The part of a search hit's text around its first match, as text runs with the matches marked.
 * A spoiler (`||…||`) in the window shows covered (▒▒▒), as in notifications and quotes: finding a
 * message by a word does not uncover the rest of what its sender hid. A covered spoiler that held
 * a match is marked as a whole.
 */
export function searchSnippet(text: string, highlights: readonly (readonly [number, number])[]): SnippetRun[] {
  const first = highlights[0]?.[0] ?? 0;
  let start = Math.max(0, first - CONTEXT);
  let end = Math.min(text.length, (highlights[0]?.[1] ?? 0) + CONTEXT * 2);
  const spoilers = [...text.matchAll(SPOILER)].map((m) => [m.index, m.index + m[0].length] as const);
  // A spoiler cut by the window's edge is taken whole, so no part of it shows uncovered.
  for (const [s, e] of spoilers) {
    if (s < start && e > start) start = s;
    if (s < end && e > end) end = e;
  }
  const marked = (from: number, to: number) => highlights.some(([s, e]) => s < to && e > from);
  const runs: SnippetRun[] = [];
  const push = (run: SnippetRun) => {
    const last = runs[runs.length - 1];
    if (last && last.mark === run.mark && run.text !== COVERED && last.text !== COVERED) last.text += run.text;
    else if (run.text) runs.push(run);
  };
  let at = start;
  const plain = (from: number, to: number) => {
    let p = from;
    for (const [s, e] of highlights) {
      if (e <= p || s >= to) continue;
      if (s > p) push({ text: text.slice(p, s), mark: false });
      push({ text: text.slice(Math.max(s, p), Math.min(e, to)), mark: true });
      p = Math.min(e, to);
    }
    if (p < to) push({ text: text.slice(p, to), mark: false });
  };
  for (const [s, e] of spoilers) {
    if (e <= start || s >= end) continue;
    plain(at, s);
    push({ text: COVERED, mark: marked(s, e) });
    at = e;
  }
  plain(at, end);
  if (start > 0) runs.unshift({ text: '…', mark: false });
  if (end < text.length) runs.push({ text: '…', mark: false });
  return runs;
}
