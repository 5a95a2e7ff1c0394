// Where a user is signed in: their live sessions and tokens, and "sign out everywhere".

import { api } from './api.js';
import { h, errorBox, showError, clearError, confirmDialog, formatTime, busy } from './dom.js';

const KINDS = { session: 'Admin page session', access: 'Access token', refresh: 'Refresh token' };

function rowOf(t) {
  const what = `${KINDS[t.kind] || t.kind}${t.apiKeyId ? ' (API key)' : ''}${t.current ? ' · this one' : ''}`;
  return h(
    'tr',
    {},
    h('td', { class: 'nowrap' }, what),
    h('td', { class: 'nowrap' }, formatTime(t.createdAt)),
    h('td', { class: 'nowrap' }, formatTime(t.lastUsedAt)),
    h('td', { class: 'nowrap' }, t.address || h('span', { class: 'muted' }, 'not recorded')),
  );
}

/** The panel of a user's page: where they are signed in, and the button that ends it all. */
export function signedInPanel(user) {
  const errors = errorBox();
  const status = h('p', { class: 'muted', role: 'status' });
  const body = h('tbody', {});
  const end = h('button', { type: 'button', class: 'danger' }, 'Sign out everywhere');
  let live = [];

  async function load() {
    try {
      live = (await api('GET', `/api/v1/users/${user.id}/sessions`)).items;
      body.replaceChildren(
        ...(live.length ? live.map(rowOf) : [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'Not signed in anywhere.'))]),
      );
      end.disabled = live.length === 0;
    } catch (error) {
      showError(errors, error);
    }
  }

  end.addEventListener('click', async () => {
    clearError(errors);
    const n = live.filter((t) => !t.current).length;
    const question = `Sign ${user.email} out everywhere? ${n} session${n === 1 ? '' : 's'} and tokens end at once; their API keys keep working.`;
    if (!(await confirmDialog(question, 'Sign out everywhere'))) return;
    await busy(end, async () => {
      try {
        const { ended } = await api('DELETE', `/api/v1/users/${user.id}/sessions`);
        status.textContent = `Signed out: ${ended} ended.`;
        await load();
      } catch (error) {
        showError(errors, error);
      }
    });
  });

  load();
  return h(
    'div',
    { class: 'panel', id: 'signed-in' },
    h('h2', {}, 'Signed in'),
    h(
      'div',
      // Scrolls sideways in a narrow column: reachable from the keyboard.
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'Sign-ins, scrollable' },
      h(
        'table',
        { class: 'dense', 'aria-label': `Where ${user.email} is signed in` },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['What', 'Since', 'Last used', 'From'].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        body,
      ),
    ),
    h('div', { class: 'actions' }, end),
    status,
    errors,
  );
}
