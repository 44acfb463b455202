/**
 * A community's look and its custom emoji (issue #13 items 5 and 6).
 * - Appearance (ADMINISTRATOR): icon, banner and an accent colour. The accent marks the
 *   community (its rail tile and the top of its sidebar); it never colours text, so no choice
 *   can make anything unreadable.
 * - Emoji (MANAGE_EMOJI): add one from a picture and a name (`:name:` in messages and
 *   reactions), delete one. Deleting leaves `:name:` as text in old messages.
 * - A group DM's icon and accent (any member).
 * The server decides and says why when it refuses; that is shown in the alert.
 */
import { errorText } from '../api/errorText';
import { t } from '../i18n';
import { createResource, createSignal, For, Show } from 'solid-js';
import { EMOJI_NAME } from '../../../protocol/images';
import { communityTheme, setCommunityTheme, type CommunityView, type Dm } from '../api/communities';
import { addEmoji, deleteEmoji, imageUrl, listEmoji, removeCommunityImage, removeGroupDmIcon, setCommunityAccent, setCommunityImage, setGroupDmAccent, setGroupDmIcon } from '../api/images';
import { prepareImage } from '../images/prepareImage';
import { Avatar } from './Avatar';
import { createAction } from '../routes/settings/form';
import { Dialog } from './Dialog';
import { IMAGE_ACCEPT, ImageField } from './ImageField';
import { ReadFailure } from './ReadFailure';
import { readableFrom } from '../api/readable';

/** An accent colour: a colour picker, Remove when one is set, and the server's refusal in words. */
function AccentField(props: { accent: string | null | undefined; set: (accent: string | null) => Promise<void> }) {
  const action = createAction();
  return (
    <fieldset>
      <legend>{t('Accent colour')}</legend>
      <div class="image-field">
        <input type="color" aria-label={t('Accent colour')} value={props.accent ?? '#4f46e5'} onChange={(e) => void action.run(() => props.set(e.currentTarget.value.toLowerCase()))} />
        <Show when={props.accent}>
          <button type="button" class="small" onClick={() => void action.run(() => props.set(null))}>
            {t('Remove')}
          </button>
        </Show>
      </div>
      <p class="error" role="alert">
        {action.error()}
      </p>
    </fieldset>
  );
}

export function AppearanceDialog(props: { open: boolean; onClose: () => void; community: CommunityView | null; onChanged: () => void }) {
  const c = () => props.community?.community;
  return (
    <Dialog open={props.open} title={t('Appearance')} onClose={props.onClose}>
      <Show when={c()}>
        {(community) => (
          <>
            <ImageField
              label={t('Icon')}
              slot="icon"
              current={community().iconId}
              placeholder={<Avatar id={community().id} name={community().name} size="large" />}
              upload={async (image) => (await setCommunityImage(community().id, 'icon', image), props.onChanged())}
              remove={async () => (await removeCommunityImage(community().id, 'icon'), props.onChanged())}
            />
            <ImageField
              label={t('Banner')}
              slot="banner"
              current={community().bannerId}
              upload={async (image) => (await setCommunityImage(community().id, 'banner', image), props.onChanged())}
              remove={async () => (await removeCommunityImage(community().id, 'banner'), props.onChanged())}
            />
            <AccentField accent={community().accent} set={async (accent) => (await setCommunityAccent(community().id, accent), props.onChanged())} />
            <ThemeField communityId={community().id} onChanged={props.onChanged} />
            <p class="muted small-text">{t('Everyone who can see this community sees its icon, banner and colour (the icon also on its invite page), so they are stored on the server as they are, not end-to-end encrypted.')}</p>
          </>
        )}
      </Show>
    </Dialog>
  );
}

/**
 * The community's custom CSS (issue #16 item 8): the server sanitizes it and says what it removed
 * and why; members see it unless they turned community themes off in Settings → Appearance.
 */
function ThemeField(props: { communityId: string; onChanged: () => void }) {
  const [current] = createResource(() => props.communityId, (id) => communityTheme(id).then((r) => r.source ?? '', () => ''));
  const [draft, setDraft] = createSignal<string | null>(null);
  const [removed, setRemoved] = createSignal<string[]>([]);
  const [error, setError] = createSignal<string | null>(null);
  const [saved, setSaved] = createSignal(false);
  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const r = await setCommunityTheme(props.communityId, draft() ?? current() ?? '');
      setRemoved(r.removed);
      setSaved(true);
      props.onChanged();
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <form class="theme-field" onSubmit={(e) => void save(e)}>
      <label>
        {t('Custom CSS')}
        <textarea rows={6} maxLength={16_384} spellcheck={false} value={draft() ?? current() ?? ''} onInput={(e) => setDraft(e.currentTarget.value)} />
      </label>
      <p class="muted small-text">{t('Styles apply inside the message area of this community. The server removes anything that could load from elsewhere, read what people type or cover the app, and tells you what it removed.')}</p>
      <button type="submit" class="small">
        {t('Save theme')}
      </button>
      <Show when={saved()}>
        <p role="status" data-testid="theme-saved">
          {removed().length ? t('Saved. The server removed {count} things:', { count: removed().length }) : t('Saved.')}
        </p>
      </Show>
      <Show when={removed().length}>
        <ul class="theme-removed">
          <For each={removed()}>{(r) => <li>{r}</li>}</For>
        </ul>
      </Show>
      <p class="error" role="alert">
        {error()}
      </p>
    </form>
  );
}

/** A group DM's icon and accent: any member may set them (a 1:1 DM shows the other person's avatar). */
export function GroupLookDialog(props: { open: boolean; onClose: () => void; dm: Dm | null; title: string; onChanged: () => void }) {
  return (
    <Dialog open={props.open} title={t('Group picture')} onClose={props.onClose}>
      <Show when={props.dm}>
        {(dm) => (
          <>
            <ImageField
              label={t('Icon')}
              slot="icon"
              current={dm().iconId}
              placeholder={<Avatar id={dm().id} name={props.title} size="large" />}
              upload={async (image) => (await setGroupDmIcon(dm().id, image), props.onChanged())}
              remove={async () => (await removeGroupDmIcon(dm().id), props.onChanged())}
            />
            <AccentField accent={dm().accent} set={async (accent) => (await setGroupDmAccent(dm().id, accent), props.onChanged())} />
            <p class="muted small-text">{t('Everyone in this conversation sees its picture and colour; they are stored on the server as they are, not end-to-end encrypted (the messages are).')}</p>
          </>
        )}
      </Show>
    </Dialog>
  );
}

export function EmojiDialog(props: { open: boolean; onClose: () => void; communityId: string; onChanged: () => void }) {
  const read = readableFrom(() => (props.open ? props.communityId : null), (id) => listEmoji(id));
  const list = read.value;
  const refetch = read.refetch;
  const [name, setName] = createSignal('');
  const [file, setFile] = createSignal<File | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  let fileInput!: HTMLInputElement;
  const nameFromFile = (f: File) =>
    f.name
      .replace(/\.[^.]*$/, '')
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 32);
  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      await refetch();
      props.onChanged();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const add = (e: Event) => {
    e.preventDefault();
    const f = file();
    if (!f) return setError(t('Choose a picture first.'));
    if (!EMOJI_NAME.test(name())) return setError(t('An emoji name is 2–32 lowercase letters, digits or underscores.'));
    void run(async () => {
      await addEmoji(props.communityId, name(), await prepareImage(f, 'emoji'));
      setName('');
      setFile(null);
      fileInput.value = '';
    });
  };
  return (
    <Dialog open={props.open} title={t('Emoji')} onClose={props.onClose}>
      <form onSubmit={add} aria-busy={busy()}>
        <label>
          {t('Picture (PNG, GIF or WebP; animated ones stay animated up to 128×128)')}
          <input
            ref={fileInput}
            type="file"
            accept={IMAGE_ACCEPT}
            onChange={(e) => {
              const f = e.currentTarget.files?.[0] ?? null;
              setFile(f);
              if (f && !name()) setName(nameFromFile(f));
            }}
          />
        </label>
        <label>
          {t('Name')}
          <input value={name()} onInput={(e) => setName(e.currentTarget.value.toLowerCase())} maxLength={32} pattern="[a-z0-9_]{2,32}" />
        </label>
        <button type="submit" class="primary" disabled={busy()}>
          {t('Add emoji')}
        </button>
        <p class="error" role="alert">
          {error()}
        </p>
      </form>
      <ReadFailure failure={read.failure()} retry={read.refetch} />
      <Show when={list.latest}>
        {(l) => (
          <>
            <p class="muted small-text">{t('{count} of {max} emoji. Everyone in the community can use them; they are not end-to-end encrypted.', { count: l().emoji.length, max: l().max })}</p>
            <ul class="emoji-list" aria-label={t('Custom emoji')}>
              <For each={l().emoji}>
                {(e) => (
                  <li>
                    <img src={imageUrl(e.imageId)} alt="" />
                    <span>:{e.name}:</span>
                    <button type="button" class="small danger" disabled={busy()} aria-label={t('Delete :{name}:', { name: e.name })} onClick={() => void run(() => deleteEmoji(props.communityId, e.name))}>
                      {t('Delete')}
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </>
        )}
      </Show>
    </Dialog>
  );
}
