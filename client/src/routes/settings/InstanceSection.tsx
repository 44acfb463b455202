/**
 * Settings → Instance, for the owner and admins (issue #16 item 6): who may register (switched
 * without a restart), and the feedback and bug reports users sent, to read and close. Settings →
 * Feedback (FeedbackSection) is where every user sends them.
 */
import { createResource, createSignal, For, Show } from 'solid-js';
import { msg, t } from '../../i18n';
import { closeFeedback, instanceSettings, listFeedback, publishLegal, removeInstanceIcon, sendFeedback, setInstanceIcon, setInstanceSettings, type RegistrationMode } from '../../api/admin';
import { getLegal } from '../../api/auth';
import { ImageField } from '../../components/ImageField';
import { instanceProfile, setInstanceProfile } from '../../stores/instance';
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
      mutate(await setInstanceSettings({ registrationMode: mode }));
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
      <InstanceProfileCard />
      <LegalCard />
      <FeedbackInbox />
    </>
  );
}

/** The instance's name and icon: the sign-in pages, the title bar. */
function InstanceProfileCard() {
  const [name, setName] = createSignal(instanceProfile().name);
  const [status, setStatus] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus(null);
    try {
      const s = await setInstanceSettings({ name: name().trim() });
      setInstanceProfile({ name: s.name, iconId: s.iconId });
      document.title = s.name;
      setStatus(t('Saved.'));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section class="settings-card" aria-labelledby="instance-profile-title">
      <h3 id="instance-profile-title">{t('Name and icon')}</h3>
      <form onSubmit={save}>
        <label>
          {t('Instance name')}
          <input name="instanceName" maxLength={64} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <button type="submit" class="small">
          {t('Save name')}
        </button>
      </form>
      <ImageField
        label={t('Instance icon')}
        slot="icon"
        current={instanceProfile().iconId}
        upload={async (image) => {
          const { iconId } = await setInstanceIcon(image);
          setInstanceProfile({ ...instanceProfile(), iconId });
        }}
        remove={async () => {
          await removeInstanceIcon();
          setInstanceProfile({ ...instanceProfile(), iconId: null });
        }}
      />
      <p role="status">{status()}</p>
      <p class="error" role="alert">
        {error()}
      </p>
    </section>
  );
}

/** The terms of service and privacy policy: the built-in texts, or this instance's own. */
function LegalCard() {
  const [legal, { mutate }] = createResource(() => getLegal());
  const [terms, setTerms] = createSignal<string | null>(null);
  const [privacy, setPrivacy] = createSignal<string | null>(null);
  const [reaccept, setReaccept] = createSignal(false);
  const [status, setStatus] = createSignal<string | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const publish = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setStatus(null);
    try {
      const current = legal();
      const next = await publishLegal({
        ...(terms() !== null && terms() !== current?.terms ? { terms: terms() } : {}),
        ...(privacy() !== null && privacy() !== current?.privacy ? { privacy: privacy() } : {}),
        reaccept: reaccept(),
      });
      mutate(next);
      setReaccept(false);
      setStatus(t('Published (version {version}).', { version: next.version }));
    } catch (err) {
      setError(errorText(err));
    }
  };
  const restore = async () => {
    setError(null);
    try {
      const next = await publishLegal({ terms: null, privacy: null, reaccept: reaccept() });
      mutate(next);
      setTerms(null);
      setPrivacy(null);
      setStatus(t('Published (version {version}).', { version: next.version }));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <section class="settings-card" aria-labelledby="legal-title">
      <h3 id="legal-title">{t('Terms and privacy policy')}</h3>
      <p class="muted">{t('Shown before registration and accepted explicitly. The built-in texts describe what this software stores; add who runs this instance and how to reach you.')}</p>
      <Show when={legal()}>
        {(l) => (
          <form onSubmit={publish}>
            <p class="muted">{t('Version {version}', { version: l().version })}</p>
            <label>
              {t('Terms of service (Markdown)')}
              <textarea name="terms" rows={8} maxLength={100_000} value={terms() ?? l().terms} onInput={(e) => setTerms(e.currentTarget.value)} />
            </label>
            <label>
              {t('Privacy policy (Markdown)')}
              <textarea name="privacy" rows={8} maxLength={100_000} value={privacy() ?? l().privacy} onInput={(e) => setPrivacy(e.currentTarget.value)} />
            </label>
            <label class="check">
              <input type="checkbox" name="reaccept" checked={reaccept()} onChange={(e) => setReaccept(e.currentTarget.checked)} />
              {t('Ask everyone to accept them again')}
            </label>
            <button type="submit" class="small">
              {t('Publish')}
            </button>
            <Show when={l().custom.terms || l().custom.privacy}>
              <button type="button" class="small" onClick={() => void restore()}>
                {t('Use the built-in texts')}
              </button>
            </Show>
          </form>
        )}
      </Show>
      <p role="status">{status()}</p>
      <p class="error" role="alert">
        {error()}
      </p>
    </section>
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
