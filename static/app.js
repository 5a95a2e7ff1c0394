// The Gatehouse admin page: sign-in, then structure, users, the user's own account and the
// audit trail. Plain JavaScript modules; no build step, nothing fetched from elsewhere.

import { api, setCsrfToken } from './api.js';
import { h, confirmDialog } from './dom.js';
import { hasUnsavedChanges } from './leaving.js';
import { state, user, mayReadAudit, mayRegisterApps } from './session.js';
import { showSignIn, showPasswordChange, replicaNotice } from './signin.js';
import { structureView } from './structure.js';
import { usersView } from './users.js';
import { userFormView } from './userform.js';
import { accountView } from './account.js';
import { auditView } from './audit.js';
import { appsView } from './apps.js';
import { startView } from './start.js';
import { referenceView } from './reference.js';
import { listenForShortcuts, showHelp } from './shortcuts.js';

const root = document.getElementById('app');

const pages = [
  { path: 'start', label: 'Overview', view: startView },
  { path: 'users', label: 'Users', view: usersView },
  { path: 'structure', label: 'Structure', view: structureView },
  { path: 'account', label: 'My account', view: accountView },
  { path: 'audit', label: 'Audit', view: auditView, shown: mayReadAudit },
  { path: 'apps', label: 'Apps', view: appsView, shown: mayRegisterApps },
  { path: 'api', label: 'API', view: referenceView },
];

/** Starts (or refreshes) the signed-in state from a session answer. */
export function startSession(session) {
  state.session = session;
  setCsrfToken(session.csrfToken);
  if (session.user.mustChangePassword) {
    showPasswordChange(
      root,
      async () => {
        startSession(await api('GET', '/api/v1/auth/session'));
      },
      signOut,
    );
  } else if (state.ui.continueTo) {
    // An application sent the person here to sign in: back to it, as the server said.
    location.assign(state.ui.continueTo);
  } else {
    route();
  }
}

function signedOut(message) {
  state.session = null;
  setCsrfToken(null);
  // Whoever signs in next starts on the start page, not on the page the last person left.
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  showSignIn(root, state.ui, startSession, message);
}

async function signOut() {
  try {
    await api('POST', '/api/v1/auth/logout');
  } finally {
    signedOut('You have signed out.');
  }
}

function shell(current) {
  const links = pages
    .filter((p) => !p.shown || p.shown())
    .map((p) => h('a', { href: `#/${p.path}`, 'aria-current': p.path === current ? 'page' : undefined }, p.label));
  const me = user();
  return h(
    'header',
    { class: 'top' },
    h('span', { class: 'brand' }, 'GATEHOUSE'),
    h('nav', { 'aria-label': 'Main' }, links),
    h('span', { class: 'who', title: me.email }, me.displayName, h('span', { class: 'who-email' }, ' · ', me.email)),
    h(
      'button',
      { type: 'button', class: 'help', 'aria-label': 'Keyboard shortcuts', title: 'Keyboard shortcuts (?)', onclick: showHelp },
      '?',
    ),
    h('button', { type: 'button', onclick: signOut }, 'Sign out'),
  );
}

function route() {
  if (!state.session) return;
  // `#/users?siteId=…`: a view's filters ride after the path.
  const [where, filters = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const [path, ...rest] = (where || 'start').split('/');
  let view;
  if (path === 'users' && rest.length > 0) {
    view = (main) => userFormView(main, rest[0] === 'new' ? null : decodeURIComponent(rest[0]));
  } else {
    const page = pages.find((p) => p.path === path && (!p.shown || p.shown())) || pages[0];
    view = (main) => page.view(main, new URLSearchParams(filters));
  }
  const main = h('main', { id: 'main' });
  root.replaceChildren(...[shell(path), replicaNotice(state.ui), main].filter(Boolean));
  view(main);
}

window.addEventListener('hashchange', async (event) => {
  if (hasUnsavedChanges()) {
    const leave = await confirmDialog('Leave this page? The changes you have not saved will be lost.', 'Leave');
    if (!leave) {
      history.replaceState(null, '', event.oldURL);
      return;
    }
  }
  route();
});
listenForShortcuts(() => Boolean(state.session && !state.session.user.mustChangePassword));
window.addEventListener('beforeunload', (event) => {
  if (hasUnsavedChanges()) event.preventDefault();
});
window.addEventListener('gatehouse:signed-out', () => {
  if (state.session) signedOut('Your session has ended. Please sign in again.');
});

async function boot() {
  try {
    // An application's sign-in sends a person with a temporary password here with `next`;
    // the server says where to go on once the password is changed.
    const next = new URLSearchParams(location.search).get('next');
    state.ui = await api('GET', next ? `/api/v1/ui?${new URLSearchParams({ next })}` : '/api/v1/ui');
  } catch (error) {
    root.replaceChildren(h('main', {}, h('p', { class: 'error', role: 'alert' }, `Gatehouse cannot be reached: ${error.message}`)));
    return;
  }
  if (state.ui.session) startSession(state.ui.session);
  else signedOut();
}

boot();
