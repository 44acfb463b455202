/**
 * GIF search (issue #15 item 7). With an operator's Tenor API key (GIF_API_KEY) the instance
 * searches Tenor for its members and fetches the GIFs they pick, so Tenor sees the instance's
 * address and the search words, never a member's address or who they are. A chosen GIF is sent as
 * an encrypted attachment like any file: receivers fetch it from this instance, never from Tenor,
 * and the server cannot tell it from any other file. Without a key the picker is absent.
 */
import * as v from 'valibot';

export const MAX_GIF_QUERY_CHARS = 100;
export const MAX_GIF_RESULTS = 24;
/** Largest GIF the instance fetches for a member. */
export const MAX_GIF_BYTES = 8 * 1024 * 1024;

export const GifSearchQuery = v.object({
  q: v.pipe(v.string(), v.trim(), v.minLength(1, 'q: say what to search for'), v.maxLength(MAX_GIF_QUERY_CHARS, `q must be at most ${MAX_GIF_QUERY_CHARS} characters`)),
});

export interface GifResult {
  id: string;
  description: string;
  width: number;
  height: number;
  /** Small animation for the picker, fetched through GET /api/gifs/media. */
  preview: string;
  /** The GIF itself, the same way. */
  gif: string;
}
