/** Settings → profile: the display name others see. */
import { createSignal, Show } from 'solid-js';
import { updateProfile } from '../../api/account';
import { updateUser, user } from '../../stores/session';
import { createAction } from './form';

export function ProfileSection() {
  const [name, setName] = createSignal(user()?.displayName ?? '');
  const action = createAction();
  const save = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      updateUser(await updateProfile({ displayName: name().trim() }));
      return 'Saved.';
    });
  };
  return (
    <form class="settings-card" onSubmit={save} aria-labelledby="profile-title">
      <h3 id="profile-title">Profile</h3>
      <p class="muted">Signed in as {user()?.username}.</p>
      <label>
        Display name
        <input value={name()} onInput={(e) => setName(e.currentTarget.value)} maxLength={200} autocomplete="nickname" />
      </label>
      <p class="error" role="alert">{action.error()}</p>
      <Show when={action.done()}>
        <p role="status">{action.done()}</p>
      </Show>
      <button type="submit" class="primary" disabled={action.busy()}>
        Save
      </button>
    </form>
  );
}
