/**
 * What a channel's room and its relay shards say to each other (issue #18 item 5, sharded
 * fan-out). Each shard holds one WebSocket to the room; both ends are this server's own objects,
 * never a client, so these frames are internal and not part of the client protocol
 * (docs/protocol.md, docs/scaling.md).
 *
 * Room → shard, in the order the room produced them, so a member behind a shard sees exactly the
 * order a member on the room would:
 * - `relay-fan`: accepted envelopes, each once, with the shard's member who sent it (acked, not
 *   sent its own envelope back) or null;
 * - `relay-to` / `relay-close`: a reply to one member (ack, error, replay page, ready…), or
 *   closing it;
 * - `relay-user`, `relay-close-user`, `relay-user-frame`: a member's standing changed, their
 *   sockets (or some sessions') are closed, or a frame for all of one user's sockets;
 * - anything else is a client frame for every member (epoch, member-removed, read, call roster).
 *
 * Shard → room: `via` (a member's frame, with the identity the worker gave its socket), `gone`
 * (a member's socket closed) and `load` (how many sockets the shard holds now).
 */
import type { ScheduledListOut } from '../protocol/scheduled';
import type { Identity } from './ChannelRoom';

export type RelayDown =
  | { type: 'relay-to'; id: string; frame: unknown }
  | { type: 'relay-close'; id: string; code: number; reason: string }
  | { type: 'relay-user'; userId: string; permissions: number; rank: number }
  | { type: 'relay-close-user'; userId: string; code: number; reason: string; sessions?: string[] | { allExcept?: string } }
  | { type: 'relay-user-frame'; userId: string; frame: ScheduledListOut };

export type RelayUp =
  | { type: 'via'; id: string; identity: Identity; frame: string }
  | { type: 'gone'; id: string; identity?: undefined; frame?: undefined }
  | { type: 'load'; sockets: number; id?: undefined };

/** The header a shard's upgrade to its room carries: the shard's index. Only objects reach the room, never a client. */
export const RELAY_UPSTREAM_HEADER = 'X-Chatalot-Relay-Upstream';
/** The room's answer to a member's upgrade when the channel is sharded: the shard to open it at instead. */
export const RELAY_SHARD_HEADER = 'X-Chatalot-Relay';

/** Past this many members' sockets on the room itself, new ones go to relay shards (CHANNEL_SHARD_THRESHOLD). */
export const DEFAULT_SHARD_THRESHOLD = 2000;
/** Sockets one relay shard takes before the next shard opens (CHANNEL_SHARD_SIZE). */
export const DEFAULT_SHARD_SIZE = 2000;

/** The relay shard object's name for shard `index` of `channelId`. */
export const shardName = (channelId: string, index: number) => `${channelId}/shard-${index}`;

/** A count from configuration: a non-negative integer, or `fallback` when unset or not one. */
export function countFrom(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}
