// The users the signed-in user can see: search, filters, pages, CSV export.

import { api, query } from './api.js';
import { h, field, errorBox, showError, clearError, formatTime, select, pager } from './dom.js';
import { mayCreateUsers } from './session.js';
import { loadStructure } from './structure.js';
import { bulkBar } from './bulk.js';
import { openImport } from './importing.js';

const PAGE = 50;
const ROLES = [
  ['', 'Any role'],
  ['admin', 'Admin'],
  ['support', 'Support'],
  ['supervisor', 'Supervisor'],
  ['member', 'Member'],
  ['viewer', 'Viewer'],
];

const STATES = [
  ['', 'Any state'],
  ['active', 'Active'],
  ['disabled', 'Disabled'],
  ['locked', 'Locked out'],
  ['mustChangePassword', 'Must change password'],
];

/** Roles shown in a row before "+N more": a row stays one line. */
const PILLS = 2;

export function describeMembership(m) {
  return `${m.role} · ${m.scopeName} (${m.scopeType})`;
}

export function isLocked(user) {
  return Boolean(user.lockedUntil && new Date(user.lockedUntil) > new Date());
}

function nameOf(user) {
  return [user.firstName, user.lastName].filter(Boolean).join(' ') || user.displayName;
}

/** What the status column says, most urgent first: it is also what the column sorts by. */
function standing(user) {
  if (user.status !== 'active') return 'disabled';
  if (isLocked(user)) return 'locked';
  if (user.mustChangePassword) return 'must change password';
  return 'active';
}

/** A role pill: the role and the place, a plant with its site, the whole path on hover. */
function pill(m, names) {
  const site = m.siteId ? names.sites.get(m.siteId) : null;
  const where = m.scopeType === 'plant' && site ? `${m.scopeName} (${site})` : m.scopeName;
  const path = [names.organisations.get(m.organisationId), site, m.scopeType === 'plant' ? m.scopeName : null].filter(Boolean).join(' › ');
  return h('span', { class: 'tag', title: `${m.role} at ${path || where} (${m.scopeType})` }, `${m.role} · ${where}`);
}

function rolesCell(user, names) {
  const pills = user.memberships.map((m) => pill(m, names));
  const more = pills.length - PILLS;
  return h(
    'td',
    { class: 'roles' },
    user.superadmin ? h('span', { class: 'tag' }, 'superadmin') : null,
    pills.slice(0, PILLS),
    more > 0 ? h('span', { class: 'muted', title: user.memberships.map(describeMembership).join('\n') }, `+${more} more`) : null,
  );
}

function statusCell(user) {
  const state = standing(user);
  const title = state === 'locked' ? `locked out until ${formatTime(user.lockedUntil)}` : undefined;
  return h('td', { class: 'nowrap' }, h('span', { class: state === 'active' ? 'tag good' : 'tag bad', title }, state));
}

/** The columns: label, the server's order by it (`sort=`), and whether it hides at tablet width. */
const COLUMNS = [
  { label: 'Email', sort: 'email' },
  { label: 'Name', sort: 'name' },
  { label: 'Roles at places' },
  { label: 'Modules', narrow: true },
  { label: 'Status', sort: 'status' },
  { label: 'Last sign-in', narrow: true, sort: 'lastSignIn' },
];

function row(user, names, ticked) {
  const tick = h('input', { type: 'checkbox', 'aria-label': `Select ${user.email}`, checked: ticked.has(user.id) });
  tick.addEventListener('change', () => (tick.checked ? ticked.add(user.id) : ticked.delete(user.id)));
  return h(
    'tr',
    {},
    h('td', { class: 'tick' }, tick),
    h('td', { class: 'nowrap' }, h('a', { href: `#/users/${encodeURIComponent(user.id)}` }, user.email)),
    h('td', { class: 'nowrap' }, nameOf(user)),
    rolesCell(user, names),
    h('td', { class: 'hide-narrow' }, user.modules.join(', ') || h('span', { class: 'muted' }, 'none')),
    statusCell(user),
    h('td', { class: 'nowrap hide-narrow' }, formatTime(user.lastLoginAt)),
  );
}

/** Sortable headers: a click lists every page in that column's order, a second reverses it. */
function sortableHead(onSort, tickAll) {
  const cells = COLUMNS.map((column, i) => {
    const props = { scope: 'col', class: column.narrow ? 'hide-narrow' : undefined };
    if (!column.sort) return h('th', props, column.label);
    const button = h('button', { type: 'button', class: 'sort', title: `Sort by ${column.label.toLowerCase()}` }, column.label);
    const cell = h('th', { ...props, 'aria-sort': i === 0 ? 'ascending' : 'none' }, button);
    button.addEventListener('click', () => onSort(i));
    return cell;
  });
  return { element: h('thead', {}, h('tr', {}, h('th', { scope: 'col', class: 'tick' }, tickAll), cells)), cells };
}

/** The users table; `preset` (from the address) may name a place, a role or a state to start with. */
export async function usersView(main, preset = new URLSearchParams()) {
  const errors = errorBox();
  const filters = { q: '', organisationId: '', siteId: '', plantId: '', role: '', state: '' };
  for (const key of ['organisationId', 'siteId', 'plantId', 'role', 'state']) filters[key] = preset.get(key) || '';
  let structure = { organisations: [], sites: [], plants: [] };
  let names = { organisations: new Map(), sites: new Map() };
  let shown = [];
  let sorting = { column: 0, direction: 1 };
  let counted = null;
  let total = null;
  let counts = '';
  const ticked = new Set();
  const tickAll = h('input', { type: 'checkbox', 'aria-label': 'Select every user on this page' });

  const body = h('tbody', {});
  const exportLink = h('a', { href: '/api/v1/users/export.csv', download: 'users.csv', class: 'button-link' }, 'Export CSV');

  const search = h('input', { type: 'search', name: 'q', placeholder: 'Email or name' });
  const orgSelect = select('organisationId', [['', 'All organisations']], '');
  const siteSelect = select('siteId', [['', 'All sites']], '');
  const plantSelect = select('plantId', [['', 'All plants']], '');
  const roleSelect = select('role', ROLES, filters.role);
  const stateSelect = select('state', STATES, filters.state);
  const allColumns = h('input', { type: 'checkbox', name: 'allColumns' });
  const wrap = h('div', { class: 'table-wrap' });

  function fillScopes() {
    const sites = structure.sites.filter((s) => !filters.organisationId || s.organisationId === filters.organisationId);
    const plants = structure.plants.filter(
      (p) => (!filters.siteId || p.siteId === filters.siteId) && (!filters.organisationId || p.organisationId === filters.organisationId),
    );
    const options = (first, items, current) => [first, ...items].map(([v, l]) => h('option', { value: v, selected: v === current }, l));
    orgSelect.replaceChildren(
      ...options(
        ['', 'All organisations'],
        structure.organisations.map((o) => [o.id, o.name]),
        filters.organisationId,
      ),
    );
    siteSelect.replaceChildren(
      ...options(
        ['', 'All sites'],
        sites.map((s) => [s.id, s.name]),
        filters.siteId,
      ),
    );
    plantSelect.replaceChildren(
      ...options(
        ['', 'All plants'],
        plants.map((p) => [p.id, `${p.name} (${p.siteName})`]),
        filters.plantId,
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
    const order =
      sorting.column === 0 && sorting.direction > 0
        ? {}
        : { sort: COLUMNS[sorting.column].sort, order: sorting.direction > 0 ? 'asc' : 'desc' };
    return { q: filters.q.trim(), role: filters.role, state: filters.state, ...scope, ...order };
  }

  const head = sortableHead((i) => {
    sorting = { column: i, direction: sorting.column === i ? -sorting.direction : 1 };
    markSort();
    pages.restart();
  }, tickAll);

  /** The headers say the order asked for at once; the rows follow when the page comes. */
  function markSort() {
    const { column, direction } = sorting;
    head.cells.forEach((cell, i) => {
      if (COLUMNS[i].sort) cell.setAttribute('aria-sort', i !== column ? 'none' : direction > 0 ? 'ascending' : 'descending');
    });
  }
  tickAll.addEventListener('change', () => {
    for (const u of shown) tickAll.checked ? ticked.add(u.id) : ticked.delete(u.id);
    draw();
  });

  function draw() {
    const rows = shown;
    markSort();
    tickAll.checked = shown.length > 0 && shown.every((u) => ticked.has(u.id));
    pages.status.textContent = counts;
    body.replaceChildren(
      ...(rows.length
        ? rows.map((u) => row(u, names, ticked))
        : [h('tr', {}, h('td', { colspan: COLUMNS.length + 1, class: 'muted' }, 'No users match.'))]),
    );
  }

  const pages = pager(load);

  /** The total of every page, asked again only when the filters change. */
  async function countAll(filter) {
    const key = query(filter);
    if (key !== counted) {
      counted = key;
      total = (await api('GET', `/api/v1/users/count${key}`)).total;
    }
    return total;
  }

  /** Which load is the latest: an answer to an older one (a filter changed since) is dropped. */
  let latest = 0;

  async function load() {
    const ticket = ++latest;
    clearError(errors);
    exportLink.href = `/api/v1/users/export.csv${query(params())}`;
    pages.status.textContent = 'Loading…';
    try {
      const [page, all] = await Promise.all([
        api('GET', `/api/v1/users${query({ ...params(), limit: PAGE, cursor: pages.cursor() })}`),
        countAll({ ...params(), sort: undefined, order: undefined }),
      ]);
      if (ticket !== latest) return;
      shown = page.items;
      const first = pages.before() * PAGE + (page.items.length ? 1 : 0);
      counts = `Users ${first}–${pages.before() * PAGE + page.items.length} of ${all.toLocaleString()}`;
      draw();
      pages.shown(page);
    } catch (error) {
      pages.status.textContent = '';
      showError(errors, error);
    }
  }

  /** Back to the first page of what the filters match; the ticks go with the old filters. */
  const restart = () => {
    ticked.clear();
    tickAll.checked = false;
    pages.restart();
  };

  let typing = null;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      filters.q = search.value;
      restart();
    }, 300);
  });
  const onChange = (control, apply) =>
    control.addEventListener('change', () => {
      apply(control.value);
      fillScopes();
      restart();
    });
  onChange(orgSelect, (v) => Object.assign(filters, { organisationId: v, siteId: '', plantId: '' }));
  onChange(siteSelect, (v) => Object.assign(filters, { siteId: v, plantId: '' }));
  onChange(plantSelect, (v) => Object.assign(filters, { plantId: v }));
  onChange(roleSelect, (v) => Object.assign(filters, { role: v }));
  onChange(stateSelect, (v) => Object.assign(filters, { state: v }));
  allColumns.addEventListener('change', () => wrap.classList.toggle('all-columns', allColumns.checked));

  wrap.append(h('table', { id: 'users-table', class: 'dense', 'aria-label': 'Users' }, head.element, body));
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
        field('State', stateSelect),
      ),
      h(
        'div',
        { class: 'actions' },
        mayCreateUsers()
          ? h('button', { type: 'button', class: 'primary', onclick: () => (location.hash = '#/users/new') }, 'New user')
          : null,
        exportLink,
        mayCreateUsers()
          ? h('button', { type: 'button', onclick: () => openImport(async () => ((counted = null), restart())) }, 'Import users')
          : null,
        h('label', { class: 'only-narrow check' }, allColumns, ' Show all columns'),
      ),
    ),
    errors,
    mayCreateUsers()
      ? bulkBar({
          selected: () => [...ticked],
          filter: () => Object.fromEntries(Object.entries(params()).filter(([, v]) => v)),
          total: () => total || 0,
          structure: () => structure,
          done: async () => {
            counted = null;
            restart();
          },
        })
      : null,
    wrap,
    pages.element,
  );
  try {
    structure = await loadStructure();
    names = {
      organisations: new Map(structure.organisations.map((o) => [o.id, o.name])),
      sites: new Map(structure.sites.map((s) => [s.id, s.name])),
    };
    fillScopes();
  } catch (error) {
    showError(errors, error);
  }
  await load();
}
