// Provisioning from the company directory (SCIM): an organisation's admin sees the address to
// give Entra ID or Okta, the provisioning keys, and the last change they made; and makes a key,
// shown once. The server decides who may; this shows what it sends.

import { api } from './api.js';
import { h, errorBox, showError, clearError, secretBox, busy, formatTime } from './dom.js';

function activityLine(row) {
  if (!row) return h('p', { class: 'muted' }, 'No provisioning yet: nothing has been changed with these keys.');
  const what = row.targetId ? `${row.action} of ${row.targetType || 'item'} ${row.targetId}` : row.action;
  const failed = row.outcome === 'success' ? '' : ' (refused)';
  return h('p', {}, `Last change: ${what}${failed}, ${formatTime(row.at)}, with the key of ${row.actorEmail || 'someone'}.`);
}

function keyRows(keys) {
  if (!keys.length) return h('p', { class: 'muted' }, 'No provisioning key yet.');
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, h('th', {}, 'Key'), h('th', {}, 'Holder'), h('th', {}, 'Created'), h('th', {}, 'Last used'))),
    h(
      'tbody',
      {},
      keys.map((k) =>
        h(
          'tr',
          {},
          h('td', {}, h('code', { class: 'key-id' }, `${k.prefix}…`)),
          h('td', {}, k.holderEmail),
          h('td', {}, formatTime(k.createdAt)),
          h('td', {}, formatTime(k.lastUsedAt)),
        ),
      ),
    ),
  );
}

/** The provisioning panel of one organisation, filled from the server. */
export function provisioningPanel(org) {
  const errors = errorBox();
  const created = h('div', {});
  const body = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  const refresh = async () => {
    try {
      const p = await api('GET', `/api/v1/organisations/${org.id}/provisioning`);
      body.replaceChildren(
        h('p', {}, 'SCIM 2.0 address for the directory (Entra ID, Okta): ', h('code', { class: 'scim-url' }, p.scimUrl)),
        keyRows(p.keys),
        activityLine(p.lastActivity),
      );
    } catch (error) {
      showError(errors, error);
    }
  };
  const create = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      onclick: async (event) => {
        clearError(errors);
        try {
          const key = await busy(event.target, () => api('POST', `/api/v1/organisations/${org.id}/provisioning/keys`));
          created.replaceChildren(
            secretBox('The provisioning key, shown only now: give it to the directory as its secret token.', key.secret),
          );
          await refresh();
        } catch (error) {
          showError(errors, error);
        }
      },
    },
    'Create provisioning key',
  );
  refresh();
  return h(
    'section',
    { class: 'panel provisioning', 'aria-label': `Provisioning of ${org.name}` },
    h('h2', {}, `Provisioning: ${org.name}`),
    errors,
    body,
    created,
    h('div', { class: 'actions' }, create),
  );
}
