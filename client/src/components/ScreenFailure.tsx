/**
 * What shows when a screen fails to draw, in place of a blank page: why, and Reload. The usual
 * cause is the chat screen's code not arriving (offline on a first visit, or an update replaced
 * the files while this tab held the old list of them); any other error thrown while drawing lands
 * here too. The error still goes to the console, where the browser tests look for it. Only a
 * reload helps: a lazy screen whose code failed to arrive keeps that failure until then.
 */
import { ErrorBoundary, type JSX } from 'solid-js';
import { t } from '../i18n';
import { errorText } from '../api/errorText';

export function ScreenFailure(props: { children: JSX.Element }) {
  return (
    <ErrorBoundary
      fallback={(error: unknown) => {
        console.error('a screen failed to draw:', error);
        return (
          <div class="boot screen-failure" role="alert">
            <p>{t('Chatalot could not open this screen: {reason}', { reason: errorText(error) })}</p>
            <p>
              <button type="button" onClick={() => location.reload()}>
                {t('Reload')}
              </button>
            </p>
          </div>
        );
      }}
    >
      {props.children}
    </ErrorBoundary>
  );
}
