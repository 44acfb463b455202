/**
 * Settings → Instance, for the owner and admins (issue #16 item 6): who may register (switched
 * without a restart), and the feedback and bug reports users sent, to read and close. Settings →
 * Feedback (FeedbackSection) is where every user sends them.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import { msg, t } from '../../i18n';
import { closeFeedback, instanceSettings, listFeedback, sendFeedback, setInstanceSettings, type RegistrationMode } from '../../api/admin';
import { errorText } from '../../components/useSubmit';

const MODES: { value: RegistrationMode; label: string }[] = [
  { value: 'open', label: msg('Open: anyone who can reach this server may register') },
  { value: 'invite_only', label: msg('Invite only: an instance invite, or a community invite that admits new accounts') },
  { value: 'closed', label: msg('Closed: nobody new may register') },
];

export function InstanceSection() {
  const [settings, { mutate }] = createResource(instanceSettings);
  const [error, setError] = createSignal<string | null>(null);
  const [saved, setSaved] = createSignal(false);
  const setMode = async (mode: RegistrationMode) => {
    setError(null);
    setSaved(false);
    try {
      mutate(await setInstanceSettings(mode));
      setSaved(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <>
      <section class="settings-card" aria-labelledby="instance-title">
        <h3 id="instance-title">{t('Registration')}</h3>
        <fieldset>
          <legend>{t('Who may create an account here')}</legend>
          <For each={MODES}>
            {(m) => (
              <label>
                <input type="radio" name="registrationMode" checked={settings()?.registrationMode === m.value} onChange={() => void setMode(m.value)} /> {t(m.label)}
              </label>
            )}
          </For>
        </fieldset>
        <Show when={saved()}>
          <p role="status">{t('Saved.')}</p>
        </Show>
        <p class="error" role="alert">
          {error()}
        </p>
      </section>
      <FeedbackInbox />
    </>
  );
}

function FeedbackInbox() {
  const [closed, setClosed] = createSignal(false);
  const [items, { refetch }] = createResource(() => (closed() ? 'closed' : 'open'), (which) => listFeedback(which === 'closed').then((r) => r.feedback));
  return (
    <section class="settings-card" aria-labelledby="feedback-inbox-title">
      <h3 id="feedback-inbox-title">{t('Feedback from users')}</h3>
      <div class="segmented" role="group" aria-label={t('Which feedback')}>
        <button type="button" class="small" aria-pressed={!closed()} onClick={() => setClosed(false)}>
          {t('Open')}
        </button>
        <button type="button" class="small" aria-pressed={closed()} onClick={() => setClosed(true)}>
          {t('Closed')}
        </button>
      </div>
      <ul class="feedback-list">
        <For each={items() ?? []} fallback={<li class="muted">{t('Nothing here.')}</li>}>
          {(f) => (
            <li data-testid="feedback-item">
              <strong>{f.kind === 'bug' ? t('Bug report') : t('Feedback')}</strong> <span class="muted">{t('from {name}', { name: f.username ?? f.userId })} · {new Date(f.createdAt).toLocaleString()}</span>
              <p>{f.text}</p>
              <Show when={f.status === 'open'}>
                <button type="button" class="small" onClick={() => void closeFeedback(f.id).then(() => refetch())}>
                  {t('Close')}
                </button>
              </Show>
            </li>
          )}
        </For>
      </ul>
    </section>
  );
}

/** Settings → Feedback, for everyone: a message or bug report to the instance's admins. */
export function FeedbackSection() {
  const [kind, setKind] = createSignal<'feedback' | 'bug'>('feedback');
  const [text, setText] = createSignal('');
  const [sent, setSent] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);
  const send = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(null);
    setSent(false);
    try {
      await sendFeedback(kind(), text().trim());
      setText('');
      setSent(true);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section class="settings-card" aria-labelledby="feedback-title">
      <h3 id="feedback-title">{t('Feedback')}</h3>
      <p class="muted">{t("This goes to this instance's admins as you write it: it is not end-to-end encrypted. Never include a password or recovery code.")}</p>
      <form onSubmit={(e) => void send(e)}>
        <label>
          {t('What is it?')}
          <select value={kind()} onChange={(e) => setKind(e.currentTarget.value as 'feedback' | 'bug')}>
            <option value="feedback">{t('Feedback')}</option>
            <option value="bug">{t('Bug report')}</option>
          </select>
        </label>
        <label>
          {t('Message')}
          <textarea rows={5} maxLength={4000} required value={text()} onInput={(e) => setText(e.currentTarget.value)} />
        </label>
        <p class="error" role="alert">
          {error()}
        </p>
        <Show when={sent()}>
          <p role="status" data-testid="feedback-sent">
            {t('Sent. Thank you.')}
          </p>
        </Show>
        <button type="submit" class="primary">
          {t('Send to the admins')}
        </button>
      </form>
    </section>
  );
}
