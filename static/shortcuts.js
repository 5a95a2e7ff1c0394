// Keyboard shortcuts: `/` finds a user, `n` starts a new one, `?` lists them. Never while the
// person is typing in a field, and never with Ctrl, Alt or Meta (the browser's own).

import { h, openDialog } from './dom.js';
import { mayCreateUsers } from './session.js';

const KEYS = [
  ['/', 'Find a user (the search box of the users page)'],
  ['n', 'New user'],
  ['?', 'This list of shortcuts'],
  ['Esc', 'Close a dialog'],
];

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** Focuses the users page's search box, going to the users page first when elsewhere. */
function findUser() {
  const focus = () => {
    const box = document.querySelector('input[type="search"][name="q"]');
    if (box) box.focus();
    return Boolean(box);
  };
  if (focus()) return;
  location.hash = '#/users';
  const wait = new MutationObserver(() => {
    if (focus()) wait.disconnect();
  });
  wait.observe(document.body, { childList: true, subtree: true });
  setTimeout(() => wait.disconnect(), 5000);
}

export function showHelp() {
  if (document.querySelector('dialog[open]')) return;
  openDialog('Keyboard shortcuts', (close) =>
    h(
      'div',
      { id: 'shortcuts' },
      h('dl', {}, ...KEYS.flatMap(([key, what]) => [h('dt', {}, h('kbd', {}, key)), h('dd', {}, what)])),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: close }, 'Close')),
    ),
  );
}

/** Listens for the shortcuts while `signedIn()` says someone is signed in. */
export function listenForShortcuts(signedIn) {
  document.addEventListener('keydown', (event) => {
    if (!signedIn() || event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) return;
    if (document.querySelector('dialog[open]')) return;
    if (event.key === '/') {
      event.preventDefault();
      findUser();
    } else if (event.key === 'n' && mayCreateUsers()) {
      event.preventDefault();
      location.hash = '#/users/new';
    } else if (event.key === '?') {
      event.preventDefault();
      showHelp();
    }
  });
}
