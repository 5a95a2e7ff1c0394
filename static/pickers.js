// The pickers that grant a role: where (a place the signed-in user administers, by its whole
// path) and which role (with what it may do there). Both start empty and must be chosen.

import { h, field } from './dom.js';
import { state } from './session.js';

/** Above this many places, the place picker gets a box to find one by name. */
const SEARCH_FROM = 12;

/**
 * The places where the server says the signed-in user may grant roles, each named by its whole
 * path, as [value, label] pairs.
 */
export function grantableScopes(structure) {
  const options = [];
  for (const org of structure.organisations) {
    if (org.canAdminister) options.push([`organisationId:${org.id}`, `${org.name} (whole organisation)`]);
    for (const site of structure.sites.filter((s) => s.organisationId === org.id)) {
      if (site.canAdminister) options.push([`siteId:${site.id}`, `${org.name} › ${site.name} (whole site)`]);
      for (const plant of structure.plants.filter((p) => p.siteId === site.id)) {
        if (plant.canAdminister) options.push([`plantId:${plant.id}`, `${org.name} › ${site.name} › ${plant.name}`]);
      }
    }
  }
  return options;
}

/** A picker that starts on nothing and must be chosen: the placeholder cannot be submitted. */
function requiredSelect(name, placeholder, options) {
  return h(
    'select',
    { name, required: true },
    h('option', { value: '', selected: true, disabled: true }, placeholder),
    options.map(([value, label, title]) => h('option', { value, title }, label)),
  );
}

/** "Where": every grantable place by its path, with a box to find one when there are many. */
export function scopeField(scopes) {
  const control = requiredSelect('scope', 'Choose where…', scopes);
  const wrapper = field('Where', control);
  wrapper.classList.add('wide');
  if (scopes.length > SEARCH_FROM) {
    const search = h('input', { type: 'search', 'aria-label': 'Find a place', placeholder: 'Find a place…', autocomplete: 'off' });
    search.addEventListener('input', () => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      for (const option of control.options) {
        if (option.value) option.hidden = !words.every((word) => option.textContent.toLowerCase().includes(word));
      }
    });
    wrapper.insertBefore(search, control);
  }
  return wrapper;
}

/** "Role": the roles the server names, and below, in one line, what the chosen one may do. */
export function roleField() {
  const roles = state.ui ? state.ui.roles : [];
  const control = requiredSelect(
    'role',
    'Choose a role…',
    roles.map((r) => [r.role, r.name, r.description]),
  );
  const wrapper = field('Role', control, 'Choose a role to see what it may do there.');
  wrapper.classList.add('full');
  const hint = wrapper.querySelector('.hint');
  hint.setAttribute('aria-live', 'polite');
  control.addEventListener('change', () => {
    const chosen = roles.find((r) => r.role === control.value);
    hint.textContent = chosen ? chosen.description : '';
  });
  return wrapper;
}
