/** Settings → profile: the display name others see, whether others see that you read their messages, and who may DM you directly. */
import { MAX_STATUS_CHARS } from '../../../../protocol/auth';
import { errorText } from '../../api/errorText';
import { locale, msg, t } from '../../i18n';
import { createResource, createSignal, For, Show } from 'solid-js';
import { fileUsage } from '../../api/files';
import { formatSize } from '../../files/transfer';
import type { PublicUser } from '../../../../protocol/auth';
import { updateProfile } from '../../api/account';
import { updateUser, user } from '../../stores/session';
import { createAction } from './form';
import type { Engine } from '../../e2ee/Engine';
import { ImageField } from '../../components/ImageField';
import { Avatar } from '../../components/Avatar';
import { removeProfileImage, setProfileImage } from '../../api/images';

export function ProfileSection() {
  const [name, setName] = createSignal(user()?.displayName ?? '');
  const [status, setStatus] = createSignal(user()?.statusText ?? '');
  const action = createAction();
  const save = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      updateUser(await updateProfile({ displayName: name().trim(), statusText: status().trim() || null }));
      return t('Saved.');
    });
  };
  return (
    <form class="settings-card" onSubmit={save} aria-labelledby="profile-title">
      <h3 id="profile-title">{t('Profile')}</h3>
      <p class="muted">{t('Signed in as {username}.', { username: user()?.username ?? '' })}</p>
      <label>
        {t('Display name')}
        <input value={name()} onInput={(e) => setName(e.currentTarget.value)} maxLength={200} autocomplete="nickname" />
      </label>
      <label>
        {t('Status')}
        <input value={status()} onInput={(e) => setStatus(e.currentTarget.value)} maxLength={MAX_STATUS_CHARS} placeholder={t('What are you up to?')} aria-describedby="status-note" />
      </label>
      <p class="muted small-text" id="status-note">
        {t('Shown beside your name to everyone who can see you. Like your name, it is not end-to-end encrypted. Leave it empty to clear it.')}
      </p>
      <p class="error" role="alert">{action.error()}</p>
      <Show when={action.done()}>
        <p role="status">{action.done()}</p>
      </Show>
      <button type="submit" class="primary" disabled={action.busy()}>
        {t('Save')}
      </button>
    </form>
  );
}

/** Avatar and profile banner: seen by everyone who sees you, so not end-to-end encrypted (said here). */
export function ProfileImagesCard() {
  const me = () => user()!;
  return (
    <section class="settings-card" aria-labelledby="pictures-title">
      <h3 id="pictures-title">{t('Pictures')}</h3>
      <ImageField
        label={t('Avatar')}
        slot="avatar"
        current={me().avatarId}
        placeholder={<Avatar id={me().id} name={me().displayName || me().username} size="large" />}
        upload={async (image) => updateUser(await setProfileImage('avatar', image))}
        remove={async () => updateUser(await removeProfileImage('avatar'))}
      />
      <ImageField label={t('Banner')} slot="banner" current={me().bannerId} upload={async (image) => updateUser(await setProfileImage('banner', image))} remove={async () => updateUser(await removeProfileImage('banner'))} />
      <p class="muted small-text">{t('Everyone who can see your profile sees these pictures, so they are stored on the server as they are, not end-to-end encrypted. They are cropped and scaled on this device first, which also drops what the file carried besides the picture (such as where a photo was taken).')}</p>
    </section>
  );
}

/** Read receipts: when on, people in a conversation see how far you have read (and you see theirs). */
export function ReadReceiptsCard(props: { engine: Engine | undefined }) {
  const on = () => props.engine?.hubSettings()?.readReceipts;
  const [policyError, setPolicyError] = createSignal<string | null>(null);
  const setPolicy = async (dmPolicy: PublicUser['dmPolicy']) => {
    setPolicyError(null);
    try {
      updateUser(await updateProfile({ dmPolicy }));
    } catch (e) {
      setPolicyError(errorText(e));
    }
  };
  return (
    <section class="settings-card" aria-labelledby="receipts-title">
      <h3 id="receipts-title">{t('Privacy')}</h3>
      <label class="check">
        <input
          type="checkbox"
          checked={on() ?? false}
          disabled={on() === undefined}
          onChange={(e) => props.engine?.setReadReceipts(e.currentTarget.checked)}
        />{' '}
        {t('Send read receipts')}
      </label>
      <p class="muted small-text">{t('When on, the people in a conversation see how far you have read it. The server learns it either way: it keeps your read position to count unread messages.')}</p>
      <fieldset class="radio-group">
        <legend>{t('Who can message you directly')}</legend>
        <For each={DM_POLICY_CHOICES}>
          {(choice) => (
            <label class="check">
              <input type="radio" name="dm-policy" value={choice.value} checked={(user()?.dmPolicy ?? 'communities') === choice.value} onChange={() => void setPolicy(choice.value)} /> {t(choice.label)}
            </label>
          )}
        </For>
      </fieldset>
      <p class="muted small-text">{t('Anyone else sends a message request: nothing they write reaches you, and they do not see whether you are online, until you accept it.')}</p>
      <p class="error" role="alert">{policyError()}</p>
    </section>
  );
}

const DM_POLICY_CHOICES: { value: PublicUser['dmPolicy']; label: string }[] = [
  { value: 'everyone', label: msg('Everyone on this instance') },
  { value: 'communities', label: msg('People in your communities') },
  { value: 'requests', label: msg('Nobody: everyone asks first') },
];

/** Storage: how much of this account's file quota its encrypted files take (issue #13). */
export function StorageCard() {
  const [usage] = createResource(() => fileUsage().catch(() => null));
  return (
    <section class="settings-card" aria-labelledby="storage-title">
      <h3 id="storage-title">{t('Files')}</h3>
      <Show when={usage()} fallback={<p class="muted">{usage.loading ? t('Loading…') : t('Your storage could not be read.')}</p>}>
        {(u) => (
          <>
            <p data-testid="storage-used">{t('Your files take {used} of {quota} on this server.', { used: formatSize(u().usedBytes, locale()), quota: formatSize(u().quotaBytes, locale()) })}</p>
            <meter min={0} max={u().quotaBytes} value={u().usedBytes} aria-label={t('Storage used')} />
            <p class="muted small-text">{t('Files are end-to-end encrypted; the server counts their encrypted size. One file may be up to {max}. Deleting a message deletes its files.', { max: formatSize(u().maxFileBytes, locale()) })}</p>
          </>
        )}
      </Show>
    </section>
  );
}
