/**
 * The WebSocket subprotocols of channel and hub sockets, in a module of their own: the service
 * worker's push preview opens a channel socket and needs the name, not frames.ts's schemas.
 */

/** The WebSocket subprotocol of channel and hub sockets; the access token rides beside it as `bearer.<jwt>`. */
export const SUBPROTOCOL = 'chatalot.v1';

/**
 * chatalot.v1 plus the `envelopes` frame: a channel socket that offers it may receive several
 * envelopes in one frame when they queue up (a burst, a replay). A client offers it before v1
 * (`chatalot.v2, chatalot.v1, bearer.<jwt>`); the server answers with the one it chose. Hub
 * sockets always answer v1 (they carry no envelopes).
 */
export const SUBPROTOCOL_BATCHED = 'chatalot.v2';

/** The subprotocol a channel socket's offer (the Sec-WebSocket-Protocol list) gets, or null when it offers neither. */
export function chosenSubprotocol(offered: readonly string[]): typeof SUBPROTOCOL | typeof SUBPROTOCOL_BATCHED | null {
  if (offered.includes(SUBPROTOCOL_BATCHED)) return SUBPROTOCOL_BATCHED;
  return offered.includes(SUBPROTOCOL) ? SUBPROTOCOL : null;
}
