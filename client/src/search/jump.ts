/**
 * A request to show one message (a search result): the chat screen goes to its conversation and
 * the message pane, once that conversation's session holds the message, scrolls to it and clears
 * the request.
 */
import { createSignal } from 'solid-js';

const [target, setTarget] = createSignal<{ channelId: string; seq: number } | null>(null);

export const jumpTarget = target;
export const requestJump = (channelId: string, seq: number) => setTarget({ channelId, seq });
export const clearJump = () => setTarget(null);
