// The start page: pictures of what the audit trail says about sign-ins over the last seven
// days, and of where the users are. Inline SVG; every chart says its numbers in words too, and
// the two series differ by shape (bars and a dashed line with dots), not by colour alone.

import { api } from './api.js';
import { h, errorBox, showError } from './dom.js';
import { mayReadAudit } from './session.js';
import { loadStructure } from './structure.js';

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children. */
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const child of children.flat(Infinity)) if (child !== null && child !== undefined) el.append(child);
  return el;
}

/** An SVG that a screen reader reads as one picture with a title and a description. */
function picture(width, height, title, description, ...content) {
  const id = `chart-${Math.random().toString(36).slice(2, 8)}`;
  return s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, class: 'chart' },
    s('title', { id: `${id}-t` }, title),
    s('desc', { id: `${id}-d` }, description),
    ...content,
  );
}

function dayLabel(iso) {
  return new Date(iso).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric' });
}

/** Sign-ins per hour as bars, failed sign-ins as a dashed line with dots, a day per gridline. */
export function hoursChart(hours) {
  const W = 840;
  const H = 220;
  const left = 36;
  const bottom = 30;
  const top = 10;
  const most = Math.max(1, ...hours.map((x) => Math.max(x.signIns, x.failedSignIns)));
  const step = (W - left - 8) / hours.length;
  const y = (n) => top + (H - top - bottom) * (1 - n / most);
  const bars = hours.map((x, i) =>
    x.signIns
      ? s('rect', { x: left + i * step, y: y(x.signIns), width: Math.max(1, step - 1), height: H - bottom - y(x.signIns), class: 'bar' })
      : null,
  );
  const points = hours.map((x, i) => `${(left + i * step + step / 2).toFixed(1)},${y(x.failedSignIns).toFixed(1)}`);
  const dots = hours.map((x, i) =>
    x.failedSignIns ? s('circle', { cx: left + i * step + step / 2, cy: y(x.failedSignIns), r: 3, class: 'dot' }) : null,
  );
  const days = hours
    .map((x, i) => [x, i])
    .filter(([x]) => new Date(x.hour).getHours() === 0)
    .map(([x, i]) => [
      s('line', { x1: left + i * step, x2: left + i * step, y1: top, y2: H - bottom, class: 'grid' }),
      s('text', { x: left + i * step + 3, y: H - 10, class: 'label' }, dayLabel(x.hour)),
    ]);
  const total = (key) => hours.reduce((n, x) => n + x[key], 0);
  const description = `Over the last seven days: ${total('signIns')} sign-ins and ${total('failedSignIns')} failed sign-ins; the busiest hour had ${most}.`;
  return picture(
    W,
    H,
    'Sign-ins and failed sign-ins per hour, last 7 days',
    description,
    days,
    s('line', { x1: left, x2: W - 8, y1: H - bottom, y2: H - bottom, class: 'axis' }),
    s('text', { x: 2, y: top + 10, class: 'label' }, String(most)),
    s('text', { x: 2, y: H - bottom, class: 'label' }, '0'),
    bars,
    s('polyline', { points: points.join(' '), class: 'failed' }),
    dots,
  );
}

/** Horizontal bars, one a row, each labelled with its name and number. */
export function barsChart(title, rows, unit) {
  const W = 640;
  const row = 26;
  const H = Math.max(1, rows.length) * row + 6;
  const most = Math.max(1, ...rows.map(([, n]) => n));
  const label = 190;
  const description = rows.length ? rows.map(([name, n]) => `${name}: ${n} ${unit}`).join('; ') : `No ${unit}.`;
  return picture(
    W,
    H,
    title,
    description,
    rows.map(([name, n], i) => [
      s('text', { x: 0, y: i * row + 18, class: 'label' }, name.length > 28 ? `${name.slice(0, 27)}…` : name),
      s('rect', { x: label, y: i * row + 5, width: Math.max(2, ((W - label - 70) * n) / most), height: row - 10, class: 'bar' }),
      s('text', { x: label + Math.max(2, ((W - label - 70) * n) / most) + 6, y: i * row + 18, class: 'label' }, String(n)),
    ]),
  );
}

function card(title, ...content) {
  return h('section', { class: 'panel chart-card', 'aria-label': title }, h('h2', {}, title), ...content);
}

function legend() {
  return h(
    'p',
    { class: 'legend' },
    h('span', { class: 'key key-bar', 'aria-hidden': 'true' }),
    ' sign-ins (bars)   ',
    h('span', { class: 'key key-line', 'aria-hidden': 'true' }),
    ' failed sign-ins (dashed line with dots)',
  );
}

async function activityCards() {
  const activity = await api('GET', '/api/v1/audit/activity');
  const addresses = activity.failingAddresses.map((a) => [a.address, a.failedSignIns]);
  return [
    card('Sign-ins, last 7 days', legend(), hoursChart(activity.hours)),
    h(
      'div',
      { class: 'split' },
      card(
        'Lockouts, last 7 days',
        h('p', { class: 'big-number', id: 'lockouts' }, String(activity.lockouts)),
        h('p', { class: 'hint' }, 'Accounts locked out by repeated failed sign-ins.'),
      ),
      card('Busiest addresses of failed sign-ins', barsChart('Failed sign-ins by address, last 7 days', addresses, 'failed sign-ins')),
    ),
  ];
}

async function usersBySite() {
  const [structure, counts] = await Promise.all([loadStructure(), api('GET', '/api/v1/users/count-by-place')]);
  const orgs = new Map(structure.organisations.map((o) => [o.id, o.name]));
  const rows = structure.sites
    .map((site) => [`${site.name} (${orgs.get(site.organisationId) || ''})`, counts.sites[site.id] || 0])
    .sort((a, b) => b[1] - a[1]);
  return card('Users by site', barsChart('Users by site', rows, 'users'));
}

export async function startView(main) {
  const errors = errorBox();
  main.replaceChildren(h('h1', {}, 'Overview'), errors);
  try {
    const cards = mayReadAudit() ? await activityCards() : [];
    main.append(...cards, await usersBySite());
  } catch (error) {
    showError(errors, error);
  }
}
