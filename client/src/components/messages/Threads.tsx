/**
 * Threads in the message pane (issue #15 item 2). A thread is a message and the replies to it
 * (each reply names its root: `replyTo`, which the room checks). The thread panel shows the root
 * and its replies and sends replies into it; the threads list shows every thread held here with
 * its reply count, last activity and whether it has replies this device has not opened. Replies
 * stay in the channel's list too (with the quote of what they answer), as they always have.
 */
import { createEffect, For, Show } from 'solid-js';
import { locale, t } from '../../i18n';
import type { ThreadView, ViewMessage } from '../../stores/ChannelSession';
import { markThreadSeen, threadSeen } from '../../stores/threadsSeen';
import { messageTimeLabel } from './messageTime';
import { preferences } from '../../stores/preferences';

const snippet = (m: ViewMessage) => (m.deleted ? t('This message was deleted.') : (m.text ?? (m.poll ? `📊 ${m.poll.question}` : m.files.length ? `📎 ${m.files[0]!.name}` : '…')).slice(0, 140));

/** A side panel's heading and its close button. */
function PanelHead(props: { title: string; close: string; onClose: () => void }) {
  return (
    <div class="thread-head">
      <h3>{props.title}</h3>
      <button type="button" class="icon-button" aria-label={props.close} onClick={() => props.onClose()}>
        ×
      </button>
    </div>
  );
}

export function ThreadPanel(props: {
  channelId: string;
  root: ViewMessage;
  replies: ViewMessage[];
  me: string;
  now: number;
  canSend: boolean;
  nameOf: (id: string) => string;
  renderText: (text: string) => string;
  onSend: (text: string) => void;
  onClose: () => void;
}) {
  let box!: HTMLTextAreaElement;
  // Everything shown here counts as read.
  createEffect(() => {
    const last = props.replies.filter((r) => r.seq !== null).at(-1);
    if (last?.seq) markThreadSeen(props.channelId, props.root.seq!, last.seq);
  });
  const send = (e?: Event) => {
    e?.preventDefault();
    const text = box.value.trim();
    if (!text || !props.canSend) return;
    props.onSend(text);
    box.value = '';
  };
  return (
    <aside class="thread-panel" aria-label={t('Thread')} data-testid="thread-panel" onKeyDown={(e) => e.key === 'Escape' && props.onClose()}>
      <PanelHead title={t('Thread')} close={t('Close thread')} onClose={props.onClose} />
      <div class="thread-root">
        <strong>{props.nameOf(props.root.sender)}</strong>
        <Show when={props.root.text && !props.root.deleted} fallback={<p class="text">{snippet(props.root)}</p>}>
          <div class="text markdown" innerHTML={props.renderText(props.root.text!)} />
        </Show>
      </div>
      <p class="thread-count">{t('{count} replies', { count: props.replies.length })}</p>
      <ol class="thread-replies" aria-label={t('Replies')}>
        <For each={props.replies}>
          {(r) => (
            <li class="thread-reply" classList={{ pending: r.pending }}>
              <strong>{props.nameOf(r.sender)}</strong> <time dateTime={new Date(r.ts).toISOString()}>{messageTimeLabel(r.ts, props.now, preferences().times, preferences().clock, locale())}</time>
              <Show when={r.text && !r.deleted} fallback={<p class="text">{snippet(r)}</p>}>
                <div class="text markdown" innerHTML={props.renderText(r.text!)} />
              </Show>
            </li>
          )}
        </For>
      </ol>
      <form class="thread-composer" onSubmit={send}>
        <label class="visually-hidden" for="thread-input">
          {t('Reply in thread')}
        </label>
        <textarea id="thread-input" ref={box} rows={2} placeholder={t('Reply in thread')} disabled={!props.canSend} onKeyDown={(e) => e.key === 'Enter' && !e.shiftKey && send(e)} />
        <button type="submit" disabled={!props.canSend}>
          {t('Send')}
        </button>
      </form>
    </aside>
  );
}

export function ThreadsList(props: { channelId: string; threads: ThreadView[]; me: string; now: number; nameOf: (id: string) => string; onOpen: (root: number) => void; onClose: () => void }) {
  const unread = (th: ThreadView) => th.last.seq !== null && th.last.sender !== props.me && th.last.seq > threadSeen(props.channelId, th.root.seq!);
  return (
    <section class="threads-list" aria-label={t('Threads')} data-testid="threads-list" onKeyDown={(e) => e.key === 'Escape' && props.onClose()}>
      <PanelHead title={t('Threads')} close={t('Close threads')} onClose={props.onClose} />
      <ul>
        <For each={props.threads} fallback={<li class="muted">{t('No threads yet. Start one with a message’s Thread button.')}</li>}>
          {(th) => (
            <li>
              <button type="button" class="thread-item" classList={{ unread: unread(th) }} onClick={() => props.onOpen(th.root.seq!)}>
                <span class="thread-item-root">
                  <strong>{props.nameOf(th.root.sender)}</strong>: {snippet(th.root)}
                </span>
                <span class="thread-item-meta">
                  {t('{count} replies', { count: th.replies })} · {t('last {time}', { time: messageTimeLabel(th.last.ts, props.now, preferences().times, preferences().clock, locale()) })}
                  <Show when={unread(th)}>
                    {' '}
                    <span class="thread-unread">{t('new replies')}</span>
                  </Show>
                </span>
              </button>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}
