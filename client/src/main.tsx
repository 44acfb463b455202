/**
 * The web client's entry: mounts the Solid app. All end-to-end cryptography lives in
 * client/src/crypto and runs here, in the browser; the server only relays ciphertext.
 */
import { render } from 'solid-js/web';
import { nextTask } from './api/taskSlot';
import { App } from './App';
import { registerServiceWorker } from './pwa/register';
import { applyLanguage, language, loadLanguage } from './i18n';
import { applyPreferences } from './stores/preferences';
import './styles.css';
import './styles/theme.css';
import './styles/calls.css';

applyPreferences();
applyLanguage();

const root = document.getElementById('root');
if (!root) throw new Error('missing #root element');
// The first render in a task of its own: this module graph's evaluation and the app's first
// render were one task, the longest of a load on a phone (bench:lighthouse). A reader of another
// language than English gets its catalogue first, so the first frame is already in it.
const start = () =>
  nextTask(() => {
    render(() => <App />, root);
    registerServiceWorker();
  });
if (language() === 'en') start();
else void loadLanguage(language()).catch(() => undefined).then(start);
