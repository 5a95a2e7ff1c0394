// The signed-in user's own account: profile, password, API keys, the applications allowed.

import { api } from './api.js';
import { h, field, errorBox, onSubmit, showError, clearError, secretBox, confirmDialog, busy, formatTime } from './dom.js';
import { user } from './session.js';
import { passwordForm } from './signin.js';
import { describeMembership } from './users.js';
import { consentsPanel } from './apps.js';

export async function accountView(main) {
  const me = user();
  const changed = h(
    'p',
    { class: 'notice', role: 'status', hidden: true },
    'Your password was changed. Your other sessions and tokens have ended.',
  );
  main.replaceChildren(
    h('h1', {}, 'My account'),
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        {},
        h(
          'div',
          { class: 'panel' },
          h('h2', {}, 'Profile'),
          h(
            'dl',
            {},
            h('dt', {}, 'Email'),
            h('dd', {}, me.email),
            h('dt', {}, 'Name'),
            h('dd', {}, me.displayName),
            h('dt', {}, 'Roles'),
            h(
              'dd',
              {},
              me.superadmin ? h('span', { class: 'tag' }, 'superadmin') : null,
              me.memberships.length
                ? me.memberships.map((m) => h('span', { class: 'tag' }, describeMembership(m)))
                : me.superadmin
                  ? null
                  : 'none',
            ),
            h('dt', {}, 'Modules'),
            h('dd', {}, me.modules.join(', ') || 'none'),
          ),
        ),
        h(
          'div',
          { class: 'panel' },
          h('h2', {}, 'Change password'),
          changed,
          passwordForm(async () => {
            changed.hidden = false;
          }),
        ),
      ),
      h('div', {}, await keysPanel(), await consentsPanel()),
    ),
  );
}

async function keysPanel() {
  const errors = errorBox();
  const created = h('div', {});
  const body = h('tbody', {});
  const refresh = async () => {
    try {
      const keys = await api('GET', '/api/v1/api-keys');
      body.replaceChildren(
        ...(keys.items.length
          ? keys.items.map((k) =>
              h(
                'tr',
                {},
                h('td', {}, k.name),
                h('td', {}, h('code', { class: 'key-id' }, k.id)),
                h('td', {}, h('code', {}, `${k.prefix}…`)),
                h('td', { class: 'nowrap' }, formatTime(k.createdAt)),
                h('td', { class: 'nowrap' }, formatTime(k.lastUsedAt)),
                h('td', { class: 'nowrap' }, k.expiresAt ? formatTime(k.expiresAt) : 'never'),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      onclick: async (event) => {
                        if (!(await confirmDialog(`Revoke the key “${k.name}”? Anything using it stops working at once.`, 'Revoke')))
                          return;
                        clearError(errors);
                        try {
                          await busy(event.target, () => api('DELETE', `/api/v1/api-keys/${k.id}`));
                          await refresh();
                        } catch (error) {
                          showError(errors, error);
                        }
                      },
                    },
                    'Revoke',
                  ),
                ),
              ),
            )
          : [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No API keys.'))]),
      );
    } catch (error) {
      showError(errors, error);
    }
  };
  const form = h(
    'form',
    { class: 'row', 'aria-label': 'Create an API key' },
    field('Key name', h('input', { name: 'name', required: true, placeholder: 'e.g. historian export' })),
    field('Expires (optional)', h('input', { name: 'expires', type: 'date' })),
    h('button', { type: 'submit', class: 'primary' }, 'Create key'),
  );
  onSubmit(form, errors, async (data) => {
    const expires = data.get('expires');
    const key = await api('POST', '/api/v1/api-keys', {
      name: data.get('name'),
      expiresAt: expires ? new Date(`${expires}T23:59:59`).toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
    });
    form.reset();
    created.replaceChildren(secretBox(`The key “${key.name}”, shown only now. Send it in the X-API-KEY header.`, key.secret));
    await refresh();
  });
  await refresh();
  return h(
    'div',
    { class: 'panel' },
    h('h2', {}, 'API keys'),
    h(
      'p',
      { class: 'hint' },
      'A key acts with your rights. Give each script or service its own, and revoke it when it is no longer needed. A service that signs in at /oauth/token (client_credentials) sends the key id as client_id and the key as client_secret.',
    ),
    form,
    errors,
    created,
    h(
      'div',
      // Scrolls sideways in a narrow column: reachable from the keyboard.
      { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': 'API keys, scrollable' },
      h(
        'table',
        { 'aria-label': 'API keys' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Name', 'Key id (client_id)', 'Key', 'Created', 'Last used', 'Expires', ''].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        body,
      ),
    ),
  );
}
