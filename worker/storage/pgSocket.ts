/**
 * A postgres.js socket that travels over a workerd service binding to an ExternalServer.
 *
 * workerd's global `connect()` obeys the worker's global outbound network, which by default
 * reaches public addresses only (it is what keeps a future link-preview fetch from reaching the
 * LAN). The database is usually on a private address, so the self-hosted config declares it as
 * an ExternalServer (`pg`) and the worker connects through that binding instead; nothing else
 * gains private-network access. postgres.js accepts such a socket through its `socket` option;
 * this shim gives a workerd Socket the small EventEmitter surface postgres.js uses, like
 * postgres.js's own Cloudflare polyfill does for `connect()`. It does not do TLS.
 */
import { EventEmitter } from 'node:events';
import { Buffer } from 'node:buffer';

/** Opens a TCP connection through `binding` and adapts it for postgres.js. */
export async function openBindingSocket(binding: Fetcher, address: string): Promise<EventEmitter> {
  const raw = binding.connect(address);
  await raw.opened;
  const writer = raw.writable.getWriter();
  const reader = raw.readable.getReader();
  let closed = false;
  const socket = Object.assign(new EventEmitter(), {
    write(data: Uint8Array, cb?: () => void) {
      writer.write(data).then(cb, fail);
      return true;
    },
    end(data?: Uint8Array) {
      if (data) writer.write(data).then(() => raw.close(), fail);
      else raw.close().catch(() => undefined);
    },
    destroy() {
      raw.close().catch(() => undefined);
      close();
    },
  });
  function close() {
    if (closed) return;
    closed = true;
    socket.emit('close');
  }
  function fail(err: unknown) {
    socket.emit('error', err);
    close();
  }
  raw.closed.then(close, fail);
  (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        socket.emit('data', Buffer.from(value));
      }
      close();
    } catch (err) {
      fail(err);
    }
  })();
  return socket;
}
