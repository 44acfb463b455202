/**
 * How long the service worker works on a push's preview before it shows what it has, ms. A push
 * must end in a notification (the browser shows a generic one, and may stop sending, otherwise);
 * whatever stalls (the server, the refresh lock another tab holds, the device database), the
 * person is still told, in the conversation's name when it is known.
 */
export const PREVIEW_DEADLINE_MS = 20_000;
