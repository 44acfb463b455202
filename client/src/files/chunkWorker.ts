/**
 * A dedicated worker that opens every other chunk of a file being saved (files/workerDownload.ts),
 * so the download is decrypted on two threads: the service worker's and this one. The page gives
 * it the file's key and a port; the service worker sends the file's header, then sealed chunks,
 * over that port, and gets each one's plaintext back (transferred, not copied). It keeps nothing
 * and is ended when the download ends.
 */
import { chunkOpener, type ChunkOpen } from '../crypto/FileCipher';
import { isCryptoError } from '../crypto/errors';

interface Start {
  key: Uint8Array;
  port: MessagePort;
}
interface FromServiceWorker {
  header?: Uint8Array;
  index?: number;
  final?: boolean;
  sealed?: ArrayBuffer;
}

self.onmessage = (e: MessageEvent<Start>) => {
  const { key, port } = e.data;
  let open: ChunkOpen | null = null;
  port.onmessage = async (m: MessageEvent<FromServiceWorker>) => {
    const { header, index, final, sealed } = m.data;
    if (header) {
      try {
        open = chunkOpener(key, header);
      } catch {
        open = null;
      }
      return;
    }
    if (index === undefined || !sealed) return;
    try {
      if (!open) throw new Error('no header');
      const plain = await open(index, !!final, new Uint8Array(sealed));
      port.postMessage({ index, plain: plain.buffer }, [plain.buffer]);
    } catch (err) {
      port.postMessage({ index, error: isCryptoError(err) ? err.code : 'failed' });
    }
  };
};
