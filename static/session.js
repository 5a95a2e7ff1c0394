// The signed-in user and what the page may offer them. The server decides every request;
// this only hides actions the user could not take anyway.

export const state = { ui: null, session: null };

export function user() {
  return state.session ? state.session.user : null;
}

function memberships() {
  const me = user();
  return me ? me.memberships : [];
}

export function isSuperadmin() {
  return Boolean(user() && user().superadmin);
}

function adminAt(scopeType, scopeId) {
  return memberships().some((m) => m.role === 'admin' && m.scopeType === scopeType && m.scopeId === scopeId);
}

/** Admin at the organisation (or a superadmin). */
export function administersOrganisation(organisationId) {
  return isSuperadmin() || adminAt('organisation', organisationId);
}

/** Admin at the site or its organisation. */
export function administersSite(site) {
  return administersOrganisation(site.organisationId) || adminAt('site', site.id);
}

/** Admin at the plant, its site or its organisation. */
export function administersPlant(plant) {
  return administersSite({ id: plant.siteId, organisationId: plant.organisationId }) || adminAt('plant', plant.id);
}

export function mayCreateUsers() {
  return isSuperadmin() || memberships().some((m) => m.role === 'admin');
}

export function mayReadAudit() {
  return isSuperadmin() || memberships().some((m) => m.role === 'admin' && m.scopeType === 'organisation');
}
