/**
 * A channel's incoming webhooks (issue #17 item 3), for members with manage-webhooks there:
 * every webhook with how often it posted and when last, a new one by name, a new secret (the old
 * URL stops), and deletion after a second, confirming press. A URL is shown once, when it is
 * made, with the warning that what is posted through it is not end-to-end encrypted.
 *
 * An end-to-end encrypted webhook (issue #17 item 4) shows instead, once, the `chatalot-post
 * enrol` command for the CI machine; then, when that machine has enrolled, its device's
 * fingerprint beside an Approve button, to compare with what the command printed. It has no URL
 * to renew: deleting it removes its bot as a member is removed.
 */
import { createSignal, For, Show } from 'solid-js';
import { t } from '../i18n';
import { approveWebhook, createWebhook, deleteWebhook, listWebhooks, rotateWebhook, type WebhookView } from '../api/webhooks';
import { deviceFingerprint } from '../e2ee/deviceFingerprint';
import { Dialog } from './Dialog';
import { useAction } from './useSubmit';
import { MAX_WEBHOOK_NAME } from '../../../protocol/webhooks';
import { ReadFailure } from './ReadFailure';
import { readableFrom } from '../api/readable';

export function WebhooksDialog(props: { open: boolean; onClose: () => void; channel: { id: string; name: string } | null }) {
  const read = readableFrom(
    () => (props.open ? props.channel?.id : undefined),
    (id) => listWebhooks(id).then((r) => r.webhooks),
  );
  const list = read.value;
  const refetch = read.refetch;
  const [name, setName] = createSignal('');
  const [encrypted, setEncrypted] = createSignal(false);
  /** What is shown once: a plaintext webhook's URL, or an encrypted one's enrolment command. */
  const [shown, setShown] = createSignal<{ name: string; url: string; command?: boolean } | null>(null);
  const [confirming, setConfirming] = createSignal<string | null>(null);
  const action = useAction();
  const { error, busy } = action;
  const run = (fn: () => Promise<void>) => action.run(async () => (await fn(), await refetch()));
  const create = () =>
    run(async () => {
      const r = await createWebhook(props.channel!.id, name().trim(), encrypted());
      if (r.enrolment) {
        const e = r.enrolment;
        setShown({ name: r.webhook.name, url: `npx chatalot-post enrol --server ${e.server} --channel ${props.channel!.id} --token ${e.token}`, command: true });
      } else setShown({ name: r.webhook.name, url: r.url! });
      setName('');
    });
  const rotate = (w: WebhookView) =>
    run(async () => {
      const r = await rotateWebhook(props.channel!.id, w.id);
      setShown({ name: r.webhook.name, url: r.url });
    });
  const approve = (w: WebhookView) => run(async () => void (await approveWebhook(props.channel!.id, w.id)));
  const remove = (w: WebhookView) => {
    if (confirming() !== w.id) return setConfirming(w.id);
    setConfirming(null);
    void run(async () => {
      await deleteWebhook(props.channel!.id, w.id);
      if (shown()?.name === w.name) setShown(null);
    });
  };
  const close = () => (setShown(null), setConfirming(null), action.setError(''), props.onClose());

  return (
    <Dialog open={props.open && !!props.channel} title={t('Webhooks of #{channel}', { channel: props.channel?.name ?? '' })} onClose={close}>
      <p class="hint">{t('A webhook lets another service (a build server, a monitor) post into this channel through a secret URL. What it posts is not end-to-end encrypted: the server stores it as sent, and everyone sees it marked so.')}</p>
      <p class="hint">{t('An end-to-end encrypted webhook posts with the chatalot-post command instead, which keeps its own keys on that machine and seals each post like a member. Approve it here once it has enrolled.')}</p>
      <Show when={shown()}>
        {(s) => (
          <div class="secret-url" role="status">
            <label>
              {s().command ? t('Enrolment command for {name} (shown only now; it works once)', { name: s().name }) : t('URL of {name} (shown only now)', { name: s().name })}
              <input readOnly name="webhookUrl" value={s().url} data-testid={s().command ? 'webhook-enrolment' : 'webhook-url'} onFocus={(e) => e.currentTarget.select()} />
            </label>
            <button type="button" class="small" onClick={() => void navigator.clipboard?.writeText(s().url).catch(() => undefined)}>
              {t('Copy')}
            </button>
          </div>
        )}
      </Show>
      <ReadFailure failure={read.failure()} retry={read.refetch} />
      <ul class="plain-list" aria-label={t('Webhooks')}>
        <For each={list.latest ?? []} fallback={<li class="muted">{t('No webhooks yet.')}</li>}>
          {(w) => (
            <li class="webhook-row">
              <strong>{w.name}</strong>{' '}
              <Show when={w.encrypted}>
                <span class="bot-tag">{t('End-to-end encrypted')}</span>{' '}
              </Show>
              <span class="muted">
                {w.lastPostAt ? t('Posts: {count}, last {when}', { count: w.posts, when: new Date(w.lastPostAt).toLocaleString() }) : w.encrypted ? '' : t('No posts yet')}
              </span>
              <Show when={w.encrypted && w.approvedAt === null}>
                <p class="muted" data-testid="webhook-pending">
                  {w.devices.length === 0
                    ? t('Waiting for chatalot-post to enrol with the command shown when it was created.')
                    : t('Enrolled, waiting for approval. Device fingerprint: {fingerprint}. Approve only if chatalot-post printed the same.', { fingerprint: w.devices.map((d) => deviceFingerprint(d.identityKey)).join(', ') })}
                </p>
              </Show>
              <div class="button-row">
                <Show when={w.encrypted && w.approvedAt === null && w.devices.length > 0}>
                  <button type="button" class="small primary" disabled={busy()} onClick={() => void approve(w)} aria-label={t('Approve {name}', { name: w.name })}>
                    {t('Approve')}
                  </button>
                </Show>
                <Show when={!w.encrypted}>
                  <button type="button" class="small" disabled={busy()} onClick={() => void rotate(w)} aria-label={t('New URL for {name}', { name: w.name })}>
                    {t('New URL')}
                  </button>
                </Show>
                <button type="button" class="small danger" disabled={busy()} onClick={() => remove(w)} aria-label={confirming() === w.id ? t('Confirm: delete {name}', { name: w.name }) : t('Delete {name}', { name: w.name })}>
                  {confirming() === w.id ? t('Confirm: delete') : t('Delete')}
                </button>
              </div>
            </li>
          )}
        </For>
      </ul>
      <form onSubmit={(e) => (e.preventDefault(), void create())}>
        <label>
          {t('Webhook name')}
          <input name="webhookName" required maxLength={MAX_WEBHOOK_NAME} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label class="checkbox">
          <input type="checkbox" name="webhookEncrypted" checked={encrypted()} onChange={(e) => setEncrypted(e.currentTarget.checked)} />
          {t('End-to-end encrypted (posts with chatalot-post)')}
        </label>
        <button type="submit" class="primary" disabled={busy() || !name().trim()}>
          {t('Create webhook')}
        </button>
      </form>
      <p class="error" role="alert">
        {error()}
      </p>
    </Dialog>
  );
}
