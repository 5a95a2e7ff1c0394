// One action on many users: the ones ticked in the table, or all that match its filters.
// The server does each action in one transaction and says how many it changed.

import { api } from './api.js';
import { h, field, confirmDialog, openDialog, select, showError, clearError, errorBox, busy } from './dom.js';
import { grantableScopes, scopeField, roleField } from './pickers.js';

const ACTIONS = [
  ['', 'Choose an action…'],
  ['addRole', 'Add a role'],
  ['removeRole', 'Remove a role'],
  ['disable', 'Disable'],
  ['enable', 'Enable'],
  ['export', 'Export as CSV'],
  ['delete', 'Delete'],
];

/** What the confirmation says will happen, for `count` users. */
function consequence(action, count) {
  const users = count === 1 ? '1 user' : `${count.toLocaleString()} users`;
  switch (action) {
    case 'disable':
      return `Disable ${users}? They are signed out at once, their sessions and API keys end, and they cannot sign in until enabled.`;
    case 'enable':
      return `Enable ${users}? They can sign in again with their passwords; their old API keys stay ended.`;
    case 'delete':
      return `Delete ${users}? Their accounts, roles, sessions and API keys are removed for good. This cannot be undone.`;
    default:
      return `Export ${users} as CSV?`;
  }
}

function download(text) {
  const link = h('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: 'users.csv' });
  document.body.append(link);
  link.click();
  link.remove();
}

/** Asks for the role and its place; resolves to `{membership}` or null when cancelled. */
function askRole(action, structure, count) {
  const verb = action === 'addRole' ? 'Add' : 'Remove';
  return new Promise((resolve) => {
    openDialog(`${verb} a role for ${count.toLocaleString()} users`, (done) => {
      const form = h('form', { id: 'bulk-role' }, scopeField(grantableScopes(structure)), roleField());
      form.append(
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit', class: 'primary' }, `${verb} the role for ${count.toLocaleString()} users`),
          h('button', { type: 'button', onclick: () => (done(), resolve(null)) }, 'Cancel'),
        ),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const [kind, id] = String(data.get('scope')).split(':');
        done();
        resolve({ membership: { [kind]: id, role: data.get('role') } });
      });
      return form;
    });
    // Closed with Escape: nothing chosen (a later resolve is ignored).
    document.querySelector('dialog[open]').addEventListener('close', () => resolve(null));
  });
}

/**
 * The bar above the users table. `selected()` gives the ticked ids, `filter()` the table's
 * filters, `total()` how many match them; `done()` reloads the table.
 */
export function bulkBar({ selected, filter, total, structure, done }) {
  const errors = errorBox();
  const status = h('span', { class: 'muted', role: 'status' });
  const action = select('bulkAction', ACTIONS, '');
  const scope = select(
    'bulkScope',
    [
      ['selected', 'The selected users'],
      ['matching', 'All that match the filters'],
    ],
    'selected',
  );
  const apply = h('button', { type: 'button' }, 'Apply');

  function count() {
    return scope.value === 'selected' ? selected().length : total();
  }

  async function run() {
    clearError(errors);
    status.textContent = '';
    const chosen = action.value;
    const n = count();
    if (!chosen) return showError(errors, new Error('Choose an action first.'));
    if (n === 0) return showError(errors, new Error('Tick the users to act on, or choose all that match the filters.'));
    let extra = {};
    if (chosen === 'addRole' || chosen === 'removeRole') {
      extra = await askRole(chosen, structure(), n);
      if (!extra) return undefined;
    } else if (!(await confirmDialog(consequence(chosen, n), ACTIONS.find(([v]) => v === chosen)[1]))) {
      return undefined;
    }
    const who = scope.value === 'selected' ? { userIds: selected() } : { filter: filter() };
    return busy(apply, async () => {
      try {
        const answer = await api('POST', '/api/v1/users/bulk', { action: chosen, ...who, ...extra });
        if (chosen === 'export') {
          download(answer);
          status.textContent = `Exported ${n.toLocaleString()} users.`;
          return;
        }
        const unchanged = answer.matched - answer.changed;
        status.textContent = `Done: ${answer.changed.toLocaleString()} of ${answer.matched.toLocaleString()} users changed${unchanged ? ` (${unchanged} already were so)` : ''}.`;
        await done();
      } catch (error) {
        showError(errors, error);
      }
    });
  }
  apply.addEventListener('click', run);

  return h(
    'div',
    { class: 'panel bulk', id: 'bulk-actions', role: 'group', 'aria-label': 'Act on many users' },
    h('div', { class: 'row' }, field('Act on', scope), field('Action', action), h('div', { class: 'field' }, apply)),
    status,
    errors,
  );
}
