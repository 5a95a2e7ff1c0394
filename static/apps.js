// Applications that sign people in with Gatehouse (OpenID Connect), and the consents a person
// gave them. The server decides who may register what; this page shows what it sends.

import { api } from './api.js';
import { h, field, errorBox, onSubmit, showError, clearError, secretBox, confirmDialog, busy, formatTime } from './dom.js';
import { loadStructure } from './structure.js';

/** Lines of a textarea as a list, without blanks. */
function lines(text) {
  return String(text || '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

function removeButton(app, errors, refresh) {
  return h(
    'button',
    {
      type: 'button',
      class: 'danger',
      onclick: async (event) => {
        if (
          !(await confirmDialog(
            `Remove the application “${app.name}”? Everyone signed in to it through Gatehouse is signed out.`,
            'Remove',
          ))
        )
          return;
        clearError(errors);
        try {
          await busy(event.target, () => api('DELETE', `/api/v1/oidc-clients/${app.clientId}`));
          await refresh();
        } catch (error) {
          showError(errors, error);
        }
      },
    },
    'Remove',
  );
}

function appRow(app, names, errors, refresh) {
  const serves = app.organisationIds.length ? app.organisationIds.map((id) => names.get(id) || id).join(', ') : 'everyone';
  return h(
    'tr',
    {},
    h('td', {}, app.name),
    h('td', {}, h('code', { class: 'key-id' }, app.clientId)),
    h(
      'td',
      {},
      app.redirectUris.map((u) => h('div', {}, h('code', {}, u))),
    ),
    h('td', {}, serves),
    h('td', {}, app.public ? 'public (PKCE)' : 'confidential'),
    h('td', {}, app.skipConsent ? 'skipped' : 'asked'),
    h('td', {}, removeButton(app, errors, refresh)),
  );
}

function registerForm(organisations, errors, created, refresh) {
  const ticks = organisations.map((o) =>
    h('label', {}, h('input', { type: 'checkbox', name: 'organisationIds', value: o.id }), ` ${o.name}`),
  );
  const form = h(
    'form',
    { class: 'stack', 'aria-label': 'Register an application' },
    field('Name', h('input', { name: 'name', required: true, placeholder: 'e.g. Historian' })),
    field(
      'Redirect URIs, one a line',
      h('textarea', { name: 'redirectUris', required: true, rows: 2 }),
      'Exact URIs: https, or http to 127.0.0.1 or localhost.',
    ),
    field('After sign-out, one a line (optional)', h('textarea', { name: 'postLogoutRedirectUris', rows: 2 })),
    h(
      'label',
      {},
      h('input', { type: 'checkbox', name: 'public' }),
      ' Public client (a browser or device app without a secret; PKCE only)',
    ),
    ticks.length ? h('fieldset', {}, h('legend', {}, 'Only for members of'), ...ticks) : null,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Register')),
  );
  onSubmit(form, errors, async (data) => {
    const app = await api('POST', '/api/v1/oidc-clients', {
      name: data.get('name'),
      redirectUris: lines(data.get('redirectUris')),
      postLogoutRedirectUris: lines(data.get('postLogoutRedirectUris')),
      public: data.get('public') === 'on',
      organisationIds: data.getAll('organisationIds'),
    });
    form.reset();
    created.replaceChildren(
      app.clientSecret
        ? secretBox(`“${app.name}”: client id ${app.clientId}. Its secret, shown only now:`, app.clientSecret)
        : h('p', { class: 'notice', role: 'status' }, `“${app.name}” is registered: client id ${app.clientId}.`),
    );
    await refresh();
  });
  return form;
}

export async function appsView(main) {
  const errors = errorBox();
  const created = h('div', {});
  const body = h('tbody', {});
  main.replaceChildren(h('h1', {}, 'Applications'), errors);
  let structure;
  try {
    structure = await loadStructure();
  } catch (error) {
    showError(errors, error);
    return;
  }
  const names = new Map(structure.organisations.map((o) => [o.id, o.name]));
  const refresh = async () => {
    try {
      const apps = await api('GET', '/api/v1/oidc-clients');
      body.replaceChildren(
        ...(apps.items.length
          ? apps.items.map((app) => appRow(app, names, errors, refresh))
          : [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No applications.'))]),
      );
    } catch (error) {
      showError(errors, error);
    }
  };
  const mine = structure.organisations.filter((o) => o.canAdminister);
  main.append(
    h(
      'p',
      { class: 'hint' },
      `Web applications sign people in with Gatehouse through OpenID Connect. Discovery: ${location.origin}/.well-known/openid-configuration`,
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'aria-label': 'Applications' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Name', 'Client id', 'Redirect URIs', 'For', 'Kind', 'Consent', ''].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        body,
      ),
    ),
    h('div', { class: 'panel' }, h('h2', {}, 'Register an application'), created, registerForm(mine, errors, created, refresh)),
  );
  await refresh();
}

/** My account: the applications the person allowed, each with a button to take it back. */
export async function consentsPanel() {
  const errors = errorBox();
  const body = h('tbody', {});
  const refresh = async () => {
    try {
      const given = await api('GET', '/api/v1/users/me/consents');
      body.replaceChildren(
        ...(given.items.length
          ? given.items.map((c) =>
              h(
                'tr',
                {},
                h('td', {}, c.name),
                h('td', {}, c.scope),
                h('td', { class: 'nowrap' }, formatTime(c.grantedAt)),
                h(
                  'td',
                  {},
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'danger',
                      onclick: async (event) => {
                        if (!(await confirmDialog(`Take back what you allowed “${c.name}”? It signs you out there.`, 'Revoke'))) return;
                        clearError(errors);
                        try {
                          await busy(event.target, () => api('DELETE', `/api/v1/users/me/consents/${c.clientId}`));
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
          : [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'You have not allowed any application.'))]),
      );
    } catch (error) {
      showError(errors, error);
    }
  };
  await refresh();
  return h(
    'div',
    { class: 'panel' },
    h('h2', {}, 'Applications you allowed'),
    errors,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'aria-label': 'Applications you allowed' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Application', 'May know', 'Allowed', ''].map((t) => h('th', { scope: 'col' }, t)),
          ),
        ),
        body,
      ),
    ),
  );
}
