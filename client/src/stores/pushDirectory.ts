/**
 * The names a push notification shows (issue #17 item 2), kept by the app for its service worker,
 * and that the message export names conversations and people with (issue #19 item 6): each
 * conversation's title and address, and the display names of people it knows. The worker
 * reads it when a push arrives with the app closed (pwa/pushPreview.ts); it holds nothing the
 * server does not also show this user, and sign-out deletes it with the rest of the database.
 */
import { deviceDb } from './DeviceDb';

export const DIRECTORY_KEY = 'pushDirectory';

export interface PushDirectory {
  /** title: how the conversation is named alone ("#general · Climbers", "alice"); short: after "in" ("#general"). */
  conversations: Record<string, { title: string; short: string; href: string; direct: boolean }>;
  people: Record<string, string>;
  /** The notification's words in the person's language (the worker has no translations of its own); {sender} and {conversation} are filled in. */
  strings: { newMessage: string; mentioned: string; inConversation: string };
  /** False: a notification names the conversation only, and the worker decrypts nothing (for lock screens others see). */
  showText: boolean;
}

let last = '';

/** Stores the directory when it changed since the last write from this page. */
export async function saveDirectory(d: PushDirectory): Promise<void> {
  const text = JSON.stringify(d);
  if (text === last) return;
  last = text;
  await (await deviceDb()).put('device', DIRECTORY_KEY, d);
}
