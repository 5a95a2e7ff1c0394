// Organisations, their sites and plants as a tree; create, rename and delete where allowed.

import { api } from './api.js';
import { h, field, errorBox, onSubmit, showError, confirmDialog, openDialog } from './dom.js';
import { mayCreateOrganisations, state } from './session.js';
import { provisioningPanel } from './provisioning.js';

/** Everything the caller can see, in one go. */
export async function loadStructure() {
  const [orgs, sites, plants] = await Promise.all([
    api('GET', '/api/v1/organisations'),
    api('GET', '/api/v1/sites'),
    api('GET', '/api/v1/plants'),
  ]);
  return { organisations: orgs.items, sites: sites.items, plants: plants.items };
}

/** A dialog with a name (and extra fields) that POSTs or PATCHes, then refreshes. */
function nameDialog(title, { method, path, body = {}, current = {}, extra = [] }, done) {
  openDialog(title, (close) => {
    const errors = errorBox();
    const controls = [
      field('Name', h('input', { name: 'name', required: true, value: current.name || '' })),
      ...extra.map(([key, label, hint, list]) =>
        field(label, h('input', { name: key, value: current[key] || '', list, autocomplete: 'off' }), hint),
      ),
    ];
    const form = h(
      'form',
      { class: 'stack' },
      controls,
      errors,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Save'),
        h('button', { type: 'button', onclick: close }, 'Cancel'),
      ),
    );
    onSubmit(form, errors, async (data) => {
      const payload = { ...body, name: data.get('name') };
      for (const [key] of extra) payload[key] = data.get(key) || null;
      await api(method, path, payload);
      close();
      await done();
    });
    return form;
  });
}

const LEVEL = { Organisation: ['organisations', 'organisationId'], Site: ['sites', 'siteId'], Plant: ['plants', 'plantId'] };

/** A node of the tree: its kind, name, a link to its users (their count filled in later), buttons. */
function node(kind, name, buttons, id) {
  const [group, filter] = LEVEL[kind];
  const users = h(
    'a',
    { class: 'count', href: `#/users?${filter}=${encodeURIComponent(id)}`, 'data-count': `${group}:${id}`, title: `The users of ${name}` },
    'users',
  );
  return h(
    'div',
    { class: `node level-${kind.toLowerCase()}` },
    h('span', { class: 'kind' }, kind),
    h('span', { class: 'name' }, name),
    users,
    buttons,
  );
}

/** Fills in each node's count of users, once the server has counted them. */
async function showCounts(tree) {
  const counts = await api('GET', '/api/v1/users/count-by-place');
  for (const link of tree.querySelectorAll('a[data-count]')) {
    const [group, id] = link.dataset.count.split(':');
    const n = counts[group][id] ?? 0;
    link.textContent = `${n.toLocaleString()} ${n === 1 ? 'user' : 'users'}`;
  }
}

/** The IANA time zone names the server accepts, as a list the time zone fields offer. */
function timeZoneList() {
  const zones = state.ui ? state.ui.timeZones || [] : [];
  return h(
    'datalist',
    { id: 'time-zones' },
    zones.map((zone) => h('option', { value: zone })),
  );
}

export async function structureView(main) {
  const errors = errorBox();
  const tree = h('ul', { class: 'tree', 'aria-label': 'Organisations, sites and plants' });
  const refresh = async () => {
    try {
      render(await loadStructure());
      await showCounts(tree);
    } catch (error) {
      showError(errors, error);
    }
  };
  const remove = (what, name, path, usersFilter) => async (event) => {
    if (!(await confirmDialog(`Delete the ${what} “${name}”? This cannot be undone.`))) return;
    try {
      event.target.disabled = true;
      await api('DELETE', path);
      await refresh();
    } catch (error) {
      event.target.disabled = false;
      showError(errors, error);
      // Refused because something is still in it: the way to what is in the way.
      if (error.status === 409) {
        errors.append(
          ' ',
          h('a', { href: `#/users?${new URLSearchParams(usersFilter)}` }, `See the ${what}’s users`),
          what === 'plant' ? '' : `; its ${what === 'organisation' ? 'sites and plants' : 'plants'} are listed under it below.`,
        );
      }
    }
  };
  const button = (label, onclick, danger) => h('button', { type: 'button', class: danger ? 'danger' : undefined, onclick }, label);

  function render({ organisations, sites, plants }) {
    const items = organisations.map((org) => {
      const orgSites = sites.filter((s) => s.organisationId === org.id);
      const orgButtons = [
        org.canAdminister
          ? button('Add site', () =>
              nameDialog(
                `New site in ${org.name}`,
                {
                  method: 'POST',
                  path: '/api/v1/sites',
                  body: { organisationId: org.id },
                  extra: [['timezone', 'Time zone', 'An IANA name: type to choose, for example Europe/London', 'time-zones']],
                },
                refresh,
              ),
            )
          : null,
        org.canAdminister
          ? button('Provisioning', () =>
              openDialog(`Provisioning of ${org.name}`, (close) =>
                h('div', {}, provisioningPanel(org), h('div', { class: 'actions' }, button('Close', close))),
              ),
            )
          : null,
        org.canManage
          ? button('Rename', () =>
              nameDialog(
                `Rename ${org.name}`,
                {
                  method: 'PATCH',
                  path: `/api/v1/organisations/${org.id}`,
                  current: org,
                  extra: [['domain', 'Domain', 'For example acme.example']],
                },
                refresh,
              ),
            )
          : null,
        org.canManage
          ? button('Delete', remove('organisation', org.name, `/api/v1/organisations/${org.id}`, { organisationId: org.id }), true)
          : null,
      ];
      const siteItems = orgSites.map((site) => {
        const sitePlants = plants.filter((p) => p.siteId === site.id);
        const manageSite = site.canManage;
        const siteButtons = [
          site.canAdminister
            ? button('Add plant', () =>
                nameDialog(`New plant at ${site.name}`, { method: 'POST', path: '/api/v1/plants', body: { siteId: site.id } }, refresh),
              )
            : null,
          manageSite
            ? button('Rename', () =>
                nameDialog(
                  `Rename ${site.name}`,
                  {
                    method: 'PATCH',
                    path: `/api/v1/sites/${site.id}`,
                    current: site,
                    extra: [['timezone', 'Time zone', 'An IANA name: type to choose, for example Europe/London', 'time-zones']],
                  },
                  refresh,
                ),
              )
            : null,
          manageSite ? button('Delete', remove('site', site.name, `/api/v1/sites/${site.id}`, { siteId: site.id }), true) : null,
        ];
        const plantItems = sitePlants.map((plant) => {
          const managePlant = plant.canManage;
          return h(
            'li',
            {},
            node(
              'Plant',
              plant.name,
              [
                managePlant
                  ? button('Rename', () =>
                      nameDialog(`Rename ${plant.name}`, { method: 'PATCH', path: `/api/v1/plants/${plant.id}`, current: plant }, refresh),
                    )
                  : null,
                managePlant
                  ? button('Delete', remove('plant', plant.name, `/api/v1/plants/${plant.id}`, { plantId: plant.id }), true)
                  : null,
              ],
              plant.id,
            ),
          );
        });
        return h('li', {}, node('Site', site.name, siteButtons, site.id), plantItems.length ? h('ul', {}, plantItems) : null);
      });
      return h('li', {}, node('Organisation', org.name, orgButtons, org.id), siteItems.length ? h('ul', {}, siteItems) : null);
    });
    tree.replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, 'Nothing here yet.')]));
  }

  main.replaceChildren(
    h('h1', {}, 'Structure'),
    timeZoneList(),
    h(
      'div',
      { class: 'actions' },
      mayCreateOrganisations()
        ? h(
            'button',
            {
              type: 'button',
              class: 'primary',
              onclick: () =>
                nameDialog(
                  'New organisation',
                  { method: 'POST', path: '/api/v1/organisations', extra: [['domain', 'Domain', 'Optional, for example acme.example']] },
                  refresh,
                ),
            },
            'New organisation',
          )
        : null,
    ),
    errors,
    h('div', { class: 'panel' }, tree),
  );
  await refresh();
}
