// The audit trail, for superadmins and organisation admins: filters, pages, details, CSV export.

import { api, query } from './api.js';
import { h, field, errorBox, showError, clearError, formatTime, formatShortTime, pager, openDialog, select } from './dom.js';
import { loadStructure } from './structure.js';

const PAGE = 50;

const DONE = {
  create: 'created',
  update: 'changed',
  delete: 'deleted',
  add: 'added',
  remove: 'removed',
  change: 'changed',
  lock: 'locked out',
  unlock: 'unlocked',
  issue: 'issued',
  refresh: 'refreshed',
  revoke: 'revoked',
  end: 'ended',
  import: 'imported',
  prune: 'pruned',
  replay: 'replayed',
};

function toIso(local) {
  if (!local) return '';
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "user.update" reads "User changed"; "signin" reads "Signin". */
export function actionText(action) {
  const [noun, verb] = action.split('.');
  const thing = noun.replace(/_/g, ' ');
  const said = `${thing.charAt(0).toUpperCase()}${thing.slice(1)}`;
  return verb ? `${said} ${DONE[verb] || verb}` : said;
}

/** "mustChangePassword" reads "must change password". */
function words(key) {
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function valueText(value) {
  if (Array.isArray(value)) return value.map(valueText).join(', ');
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => `${words(k)} ${valueText(v)}`)
      .join(', ');
  }
  return String(value);
}

/** A summary as a line of words: "changed: first name, modules · email: ada@…". */
export function summaryText(summary) {
  if (!summary || typeof summary !== 'object') return '';
  return Object.entries(summary)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${words(k)}: ${valueText(Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? words(x) : x)) : v)}`)
    .join(' · ');
}

/** Who did it: their name and email where the reader may see them, the id on hover. */
function actorCell(r) {
  if (!r.actorId && !r.actorEmail) return h('td', { class: 'muted' }, r.credentialKind || 'system');
  const name = r.actorName && r.actorName !== r.actorEmail ? `${r.actorName} · ` : '';
  return h('td', { title: r.actorId ? `user id ${r.actorId}` : 'no account by this name' }, `${name}${r.actorEmail || r.actorId}`);
}

function targetText(r) {
  if (!r.targetType) return '';
  if (r.targetEmail) return `${r.targetName && r.targetName !== r.targetEmail ? `${r.targetName} · ` : ''}${r.targetEmail}`;
  if (r.targetName) return `${r.targetType} ${r.targetName}`;
  return r.targetType.replace(/_/g, ' ');
}

function showDetails(r) {
  const rows = [
    ['When', formatTime(r.at)],
    ['What', `${actionText(r.action)} (${r.action}), ${r.outcome}`],
    ['Who', `${r.actorName || ''} ${r.actorEmail || ''}`.trim() || r.credentialKind || 'system'],
    ['Who (id)', r.actorId || '—'],
    ['Signed in with', [r.credentialKind, r.credentialId].filter(Boolean).join(' ') || '—'],
    ['From', r.source || '—'],
    ['Done to', targetText(r) || '—'],
    ['Done to (id)', r.targetId || '—'],
    ['Details', summaryText(r.summary) || '—'],
    ['Record number', String(r.seq)],
    ['Chain hash', r.hash],
  ];
  openDialog('Audit event', (close) =>
    h(
      'div',
      { id: 'audit-details' },
      h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { class: 'wrap-anywhere' }, v)])),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: close }, 'Close')),
    ),
  );
}

function eventRow(r) {
  const summary = summaryText(r.summary);
  return h(
    'tr',
    {},
    h('td', { class: 'nowrap', title: formatTime(r.at) }, formatShortTime(r.at)),
    actorCell(r),
    h('td', {}, h('span', { class: r.outcome === 'success' ? 'tag good' : 'tag bad', title: r.action }, actionText(r.action))),
    h('td', { title: r.targetId ? `${r.targetType} id ${r.targetId}` : undefined }, targetText(r)),
    h('td', { class: 'hide-narrow', title: summary }, summary),
    h(
      'td',
      {},
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          onclick: () => showDetails(r),
          'aria-label': `Details of ${actionText(r.action)} at ${formatTime(r.at)}`,
        },
        'Details',
      ),
    ),
  );
}

export async function auditView(main) {
  const errors = errorBox();
  const body = h('tbody', {});
  const exportLink = h('a', { href: '/api/v1/audit/export.csv', download: 'audit.csv', class: 'button-link' }, 'Export CSV');
  const organisation = select('organisationId', [['', 'All organisations']], '');
  const form = h(
    'form',
    { class: 'row', 'aria-label': 'Filter the audit trail' },
    field('Person (email)', h('input', { name: 'person', type: 'search' }), 'What they did and what was done to them'),
    field('Organisation', organisation),
    field('Action', h('input', { name: 'action', placeholder: 'e.g. user or signin' })),
    field('Since', h('input', { name: 'since', type: 'datetime-local' })),
    field('Until', h('input', { name: 'until', type: 'datetime-local' })),
    h('button', { type: 'submit', class: 'primary' }, 'Apply'),
  );
  let filters = {};

  const pages = pager(load);

  async function load() {
    clearError(errors);
    pages.status.textContent = 'Loading…';
    exportLink.href = `/api/v1/audit/export.csv${query(filters)}`;
    try {
      const page = await api('GET', `/api/v1/audit${query({ ...filters, limit: PAGE, cursor: pages.cursor() })}`);
      body.replaceChildren(
        ...(page.items.length ? page.items.map(eventRow) : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No events match.'))]),
      );
      pages.status.textContent = `${page.items.length} events on this page`;
      pages.shown(page);
    } catch (error) {
      pages.status.textContent = '';
      showError(errors, error);
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    filters = {
      person: data.get('person').trim(),
      organisationId: data.get('organisationId'),
      action: data.get('action').trim(),
      since: toIso(data.get('since')),
      until: toIso(data.get('until')),
    };
    pages.restart();
  });

  main.replaceChildren(
    h('h1', {}, 'Audit trail'),
    h('div', { class: 'panel' }, form, h('div', { class: 'actions' }, exportLink)),
    errors,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { id: 'audit-table', class: 'dense fixed', 'aria-label': 'Audit trail' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            [
              ['Time', 'col-time'],
              ['Who', 'col-who'],
              ['What', 'col-what'],
              ['Done to', 'col-target'],
              ['Details', 'col-summary hide-narrow'],
              ['', 'col-open'],
            ].map(([t, c]) => h('th', { scope: 'col', class: c }, t || h('span', { class: 'visually-hidden' }, 'Open'))),
          ),
        ),
        body,
      ),
    ),
    pages.element,
  );
  try {
    const structure = await loadStructure();
    organisation.replaceChildren(
      ...[['', 'All organisations'], ...structure.organisations.map((o) => [o.id, o.name])].map(([v, l]) => h('option', { value: v }, l)),
    );
  } catch (error) {
    showError(errors, error);
  }
  await load();
}
