/**
 * Desktop notifications while the app is open in the background (issue #17 item 1). The hub
 * says when a conversation's unread count rises live (stores/hub.ts `onArrival`); this shows a
 * notification for it when the person's settings let it through (prefs.ts), never for the
 * conversation on screen in a focused window, and plays the chosen sound. It names the
 * conversation and whether it was a mention, never the content: the hub does not know it, and
 * the conversation's envelopes are opened only when it is opened. Clicking a notification brings
 * the window forward on that conversation. One notification per conversation stands at a time
 * (the `tag`), so a burst of messages replaces rather than piles up.
 */
import { t } from '../i18n';
import type { UnreadState } from '../../../protocol/hub';
import { notificationPrefs, shouldNotify } from './prefs';
import { playSound } from './sounds';

export interface ArrivalContext {
  /** The conversation on screen, if any. */
  current(): string | null;
  /** Where a conversation is: its title ("#general · Climbers", "alice"), community (null for a DM) and address in the app. */
  describe(channelId: string): { title: string; communityId: string | null; href: string };
  /** Opens an address in the app (a hash route). */
  open(href: string): void;
}

/** Whether the person is looking at this conversation now. */
const inView = (ctx: ArrivalContext, channelId: string) => ctx.current() === channelId && document.visibilityState === 'visible' && document.hasFocus();

export function notifyArrival(ctx: ArrivalContext, u: UnreadState, mention: boolean, now = Date.now()): void {
  const skip = (why: string) => console.debug(`notification for ${u.channelId} not shown: ${why}`);
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return skip('no permission');
  if (inView(ctx, u.channelId)) return skip('in view');
  const where = ctx.describe(u.channelId);
  const p = notificationPrefs();
  if (!shouldNotify(p, u.channelId, where.communityId, mention, now)) return skip('the settings');
  const body = mention ? t('You were mentioned.') : u.unread > 1 ? t('{count} new messages', { count: u.unread }) : t('New message');
  const n = new Notification(where.title, { body, tag: u.channelId, data: { href: where.href, seq: u.head } });
  n.onclick = () => {
    window.focus();
    ctx.open(where.href);
    n.close();
  };
  playSound(p.sound, p.volume);
}

/** Asks the browser's permission, after the person pressed the button that explains it. */
export async function askPermission(): Promise<NotificationPermission> {
  if (typeof Notification === 'undefined') return 'denied';
  return Notification.permission === 'default' ? Notification.requestPermission() : Notification.permission;
}
