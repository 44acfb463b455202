/**
 * A form's submit handler for one REST call: a busy flag while it runs and the server's refusal as
 * the text for the form's alert. Used by the shell's dialogs and the invite form.
 */
import { createSignal } from 'solid-js';
import { errorText } from '../api/errorText';

/** The error's sentence in the language on screen (api/errorText.ts). */
export { errorText };

/** Runs `fn` on submit with a busy flag and the error text for the form's alert. */
export function useSubmit<T>(fn: () => Promise<T>, done: (v: T) => void) {
  const [error, setError] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      done(await fn());
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, submit };
}


/** One action at a time from buttons (no form): a busy flag, and the error text for the alert ('' when none). */
export function useAction() {
  const [error, setError] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const run = async (fn: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { error, setError, busy, run };
}
