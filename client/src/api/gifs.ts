/** GIF search through the instance (worker/routes/gifs.ts): results, and a GIF's bytes. */
import type { GifResult } from '../../../protocol/gifs';
import { api, apiBytes } from './http';

export const searchGifs = (q: string) => api<{ results: GifResult[] }>(`/api/gifs/search?q=${encodeURIComponent(q)}`);

/** A GIF fetched through the instance (a result's `preview` or `gif` address). */
export async function gifBlob(path: string): Promise<Blob> {
  const { bytes, headers } = await apiBytes(path);
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: headers.get('Content-Type') ?? 'image/gif' });
}
