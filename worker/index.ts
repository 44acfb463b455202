/**
 * The worker entry point: the HTTP app and the Durable Object classes it binds, exported for
 * workerd (selfhost/config.capnp) and Cloudflare (wrangler.toml) alike.
 */
import { createApp } from './app';

export { ChannelRoomObject } from '../durable-objects/ChannelRoomObject';
export { ChannelRelayObject } from '../durable-objects/ChannelRelayObject';
export { StoreObject } from '../durable-objects/StoreObject';
export { RateLimiterObject } from '../durable-objects/RateLimiterObject';
export { UserHubObject } from '../durable-objects/UserHubObject';

export default createApp();
