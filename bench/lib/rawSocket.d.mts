/** Types for rawSocket.mjs, for the TypeScript tests that borrow its never-reading client. */
import type { Socket } from 'node:net';

export class RawReceiver {
  socket: Socket;
  closed: boolean;
  onClose: () => void;
  text(str: string): void;
  close(): void;
  terminate(): void;
}

export function connectRaw(url: string, options: { onPayload: (buf: Buffer, start: number, end: number) => void; protocols?: string[]; headers?: Record<string, string>; timeoutMs?: number }): Promise<RawReceiver>;
