/**
 * Saving a file through the service worker (pwa/sw.ts `/download/{token}`). The page registers
 * the download with the worker (the file's id and key, its name and size, and an access token,
 * for one request within half a minute), then opens `/download/{token}` in a hidden frame: the
 * worker fetches the ciphertext, decrypts it as it streams and answers as an attachment, so the
 * browser writes the plaintext straight into the person's downloads. Nothing gathers the file in
 * memory, and the page's thread stays free (saving through a Blob made in the page ran at 0.35–
 * 0.41× of an unencrypted download; see bench/README.md, "npm run bench:files").
 *
 * The key goes to the worker only for this download: it is the app's own code on this origin,
 * keeps nothing in Cache Storage and forgets the registration when the request claims it.
 * Without a controlling worker (or an older one that does not answer), the caller saves the file
 * from a Blob instead.
 */
import { freshAccessToken } from '../api/http';
import { fromBase64, toBase64Url } from '../e2ee/base64';
import type { FileRef } from '../e2ee/MessageBody';

/** How long the worker may take to take a registration, ms (it may have to start first). */
const READY_MS = 5_000;
/** How often the page reminds the worker that a download is still running, ms: a worker with an open client message stays alive. */
const KEEPALIVE_MS = 20_000;

/** How a download through the worker ended badly. */
export type WorkerDownloadFailure = 'not-found' | 'network' | 'tampered' | 'file-truncated' | 'cancelled';

export class WorkerDownloadError extends Error {
  constructor(readonly code: WorkerDownloadFailure) {
    super(code);
  }
}

interface Answer {
  ready?: boolean;
  done?: boolean;
  error?: WorkerDownloadFailure;
}

/**
 * Saves `ref` through the service worker. Resolves true once the worker has streamed the whole
 * file into the download, false when no worker can (the caller saves it another way); rejects
 * with WorkerDownloadError when the download started and failed.
 */
export async function saveThroughWorker(ref: FileRef): Promise<boolean> {
  const worker = typeof navigator !== 'undefined' ? navigator.serviceWorker?.controller : null;
  if (!worker) return false;
  const access = await freshAccessToken();
  if (!access) return false;
  const token = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
  const channel = new MessageChannel();
  let answered: (a: Answer) => void = () => undefined;
  const next = () => new Promise<Answer>((resolve) => (answered = resolve));
  channel.port1.onmessage = (m) => answered(m.data as Answer);
  const ready = next();
  worker.postMessage({ type: 'download', token, id: ref.id, key: fromBase64(ref.key), name: ref.name, size: ref.size, access }, [channel.port2]);
  const timeout = new Promise<Answer>((resolve) => setTimeout(() => resolve({}), READY_MS));
  if (!(await Promise.race([ready, timeout])).ready) {
    channel.port1.close();
    return false;
  }
  const finished = next();
  const frame = document.createElement('iframe');
  frame.hidden = true;
  frame.title = ref.name;
  frame.src = `/download/${token}`;
  document.body.appendChild(frame);
  const keepalive = setInterval(() => worker.postMessage({ type: 'download-keepalive' }), KEEPALIVE_MS);
  try {
    const end = await finished;
    if (end.error) throw new WorkerDownloadError(end.error);
    return true;
  } finally {
    clearInterval(keepalive);
    channel.port1.close();
    // The browser owns the download once it started; the frame only asked for it.
    setTimeout(() => frame.remove(), 1_000);
  }
}
