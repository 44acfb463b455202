/** Calls over HTTP (issue #14): the STUN and TURN servers for a channel's call. */
import { api } from './http';

export const callIceServers = (channelId: string) =>
  api<{ iceServers: RTCIceServer[]; expiresAt: number | null }>(`/api/channels/${encodeURIComponent(channelId)}/call/ice`);

/** Who is in a channel's call now (each user once). */
export const callUsers = (channelId: string) => api<{ userIds: string[] }>(`/api/channels/${encodeURIComponent(channelId)}/call`);
