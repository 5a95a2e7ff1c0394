// The users the signed-in user can see: search, filters, pages, CSV export.

import { api, query } from './api.js';
import { h, field, errorBox, showError, clearError, formatTime, select, pager } from './dom.js';
import { mayCreateUsers } from './session.js';
import { loadStructure } from './structure.js';

const PAGE = 50;
const ROLES = [
  ['', 'Any role'],
  ['admin', 'Admin'],
  ['support', 'Support'],
  ['supervisor', 'Supervisor'],
  ['member', 'Member'],
  ['viewer', 'Viewer'],
];

export function describeMembership(m) {
  return `${m.role} · ${m.scopeName} (${m.scopeType})`;
}

export function isLocked(user) {
  return Boolean(user.lockedUntil && new Date(user.lockedUntil) > new Date());
}

function row(user) {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ') || user.displayName;
  return h(
    'tr',
    {},
    h('td', {}, h('a', { href: `#/users/${encodeURIComponent(user.id)}` }, user.email)),
    h('td', {}, name),
    h(
      'td',
      {},
      user.superadmin ? h('span', { class: 'tag' }, 'superadmin') : null,
      user.memberships.map((m) => h('span', { class: 'tag' }, describeMembership(m))),
    ),
    h('td', { class: 'hide-narrow' }, user.modules.join(', ') || h('span', { class: 'muted' }, 'none')),
    h('td', {}, h('span', { class: user.status === 'active' ? 'tag good' : 'tag bad' }, user.status)),
    h('td', { class: 'nowrap hide-narrow' }, formatTime(user.lastLoginAt)),
    h(
      'td',
      {},
      isLocked(user) ? h('span', { class: 'tag bad' }, `until ${formatTime(user.lockedUntil)}`) : h('span', { class: 'muted' }, 'no'),
    ),
  );
}

export async function usersView(main) {
  const errors = errorBox();
  const filters = { q: '', organisationId: '', siteId: '', plantId: '', role: '' };
  let structure = { organisations: [], sites: [], plants: [] };

  const body = h('tbody', {});
  const exportLink = h('a', { href: '/api/v1/users/export.csv', download: 'users.csv', class: 'button-link' }, 'Export CSV');

  const search = h('input', { type: 'search', name: 'q', placeholder: 'Email or name' });
  const orgSelect = select('organisationId', [['', 'All organisations']], '');
  const siteSelect = select('siteId', [['', 'All sites']], '');
  const plantSelect = select('plantId', [['', 'All plants']], '');
  const roleSelect = select('role', ROLES, '');

  function fillScopes() {
    const sites = structure.sites.filter((s) => !filters.organisationId || s.organisationId === filters.organisationId);
    const plants = structure.plants.filter(
      (p) => (!filters.siteId || p.siteId === filters.siteId) && (!filters.organisationId || p.organisationId === filters.organisationId),
    );
    orgSelect.replaceChildren(
      ...[['', 'All organisations'], ...structure.organisations.map((o) => [o.id, o.name])].map(([v, l]) =>
        h('option', { value: v, selected: v === filters.organisationId }, l),
      ),
    );
    siteSelect.replaceChildren(
      ...[['', 'All sites'], ...sites.map((s) => [s.id, s.name])].map(([v, l]) =>
        h('option', { value: v, selected: v === filters.siteId }, l),
      ),
    );
    plantSelect.replaceChildren(
      ...[['', 'All plants'], ...plants.map((p) => [p.id, `${p.name} (${p.siteName})`])].map(([v, l]) =>
        h('option', { value: v, selected: v === filters.plantId }, l),
      ),
    );
  }

  /** The server takes one scope: the most specific one chosen. */
  function params() {
    const scope = filters.plantId
      ? { plantId: filters.plantId }
      : filters.siteId
        ? { siteId: filters.siteId }
        : filters.organisationId
          ? { organisationId: filters.organisationId }
          : {};
    return { q: filters.q.trim(), role: filters.role, ...scope };
  }

  const pages = pager(load);

  async function load() {
    clearError(errors);
    exportLink.href = `/api/v1/users/export.csv${query(params())}`;
    pages.status.textContent = 'Loading…';
    try {
      const page = await api('GET', `/api/v1/users${query({ ...params(), limit: PAGE, cursor: pages.cursor() })}`);
      body.replaceChildren(
        ...(page.items.length ? page.items.map(row) : [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No users match.'))]),
      );
      const first = pages.before() * PAGE + (page.items.length ? 1 : 0);
      pages.status.textContent = `Users ${first}–${pages.before() * PAGE + page.items.length}`;
      pages.shown(page);
    } catch (error) {
      pages.status.textContent = '';
      showError(errors, error);
    }
  }

  const restart = () => pages.restart();

  let typing = null;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      filters.q = search.value;
      restart();
    }, 300);
  });
  orgSelect.addEventListener('change', () => {
    filters.organisationId = orgSelect.value;
    filters.siteId = '';
    filters.plantId = '';
    fillScopes();
    restart();
  });
  siteSelect.addEventListener('change', () => {
    filters.siteId = siteSelect.value;
    filters.plantId = '';
    fillScopes();
    restart();
  });
  plantSelect.addEventListener('change', () => {
    filters.plantId = plantSelect.value;
    restart();
  });
  roleSelect.addEventListener('change', () => {
    filters.role = roleSelect.value;
    restart();
  });

  main.replaceChildren(
    h('h1', {}, 'Users'),
    h(
      'div',
      { class: 'panel' },
      h(
        'form',
        { class: 'row', role: 'search', 'aria-label': 'Filter users', onsubmit: (e) => e.preventDefault() },
        field('Search', search),
        field('Organisation', orgSelect),
        field('Site', siteSelect),
        field('Plant', plantSelect),
        field('Role', roleSelect),
      ),
      h(
        'div',
        { class: 'actions' },
        mayCreateUsers()
          ? h(
              'button',
              {
                type: 'button',
                class: 'primary',
                onclick: () => {
                  location.hash = '#/users/new';
                },
              },
              'New user',
            )
          : null,
        exportLink,
      ),
    ),
    errors,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'users-table', 'aria-label': 'Users' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Email', 'Name', 'Roles at scopes', 'Modules', 'Status', 'Last sign-in', 'Locked'].map((t, i) =>
              h('th', { scope: 'col', class: i === 3 || i === 5 ? 'hide-narrow' : undefined }, t),
            ),
          ),
        ),
        body,
      ),
    ),
    pages.element,
  );
  try {
    structure = await loadStructure();
    fillScopes();
  } catch (error) {
    showError(errors, error);
  }
  await load();
}
