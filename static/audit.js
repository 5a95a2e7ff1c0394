// The audit trail, for superadmins and organisation admins: filters, pages, CSV export.

import { api, query } from './api.js';
import { h, field, errorBox, showError, clearError, formatTime, pager } from './dom.js';

const PAGE = 50;

function toIso(local) {
  if (!local) return '';
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function summaryText(summary) {
  if (!summary || typeof summary !== 'object') return '';
  return Object.entries(summary)
    .filter(([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join('; ');
}

export async function auditView(main) {
  const errors = errorBox();
  const body = h('tbody', {});
  const exportLink = h('a', { href: '/api/v1/audit/export.csv', download: 'audit.csv', class: 'button-link' }, 'Export CSV');
  const form = h(
    'form',
    { class: 'row', 'aria-label': 'Filter the audit trail' },
    field('Actor (email or id)', h('input', { name: 'actor' })),
    field('Action', h('input', { name: 'action', placeholder: 'e.g. user or signin' })),
    field('Target id', h('input', { name: 'target' })),
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
        ...(page.items.length
          ? page.items.map((r) =>
              h(
                'tr',
                {},
                h('td', { class: 'nowrap' }, formatTime(r.at)),
                h('td', {}, r.actorEmail || r.actorId || h('span', { class: 'muted' }, r.credentialKind || 'system')),
                h('td', {}, h('span', { class: r.outcome === 'success' ? 'tag good' : 'tag bad' }, r.action)),
                h('td', { class: 'hide-narrow' }, r.targetType ? `${r.targetType} ${r.targetId}` : ''),
                h('td', { class: 'hide-narrow' }, r.source || ''),
                h('td', {}, summaryText(r.summary)),
              ),
            )
          : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, 'No events match.'))]),
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
      actor: data.get('actor').trim(),
      action: data.get('action').trim(),
      target: data.get('target').trim(),
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
        { id: 'audit-table', 'aria-label': 'Audit trail' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Time', 'Actor', 'Action', 'Target', 'Source', 'Summary'].map((t, i) =>
              h('th', { scope: 'col', class: i === 3 || i === 4 ? 'hide-narrow' : undefined }, t),
            ),
          ),
        ),
        body,
      ),
    ),
    pages.element,
  );
  await load();
}
