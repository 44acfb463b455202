/**
 * The web client's entry: mounts the Solid app. All end-to-end cryptography lives in
 * client/src/crypto and runs here, in the browser; the server only relays ciphertext.
 */
import { render } from 'solid-js/web';
import { App } from './App';
import { registerServiceWorker } from './pwa/register';
import { applyLanguage } from './i18n';
import { applyPreferences } from './stores/preferences';
import './styles.css';
import './styles/theme.css';
import './styles/calls.css';

applyPreferences();
applyLanguage();

const root = document.getElementById('root');
if (!root) throw new Error('missing #root element');
render(() => <App />, root);
registerServiceWorker();
