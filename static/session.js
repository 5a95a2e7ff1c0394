// The signed-in user and what the page may offer them. The server decides every right and
// sends it (`rights` with the session, `canManage`/`canAdminister` on each object); this file
// only reads what it sent, so that the page never judges anything itself.

export const state = { ui: null, session: null };

export function user() {
  return state.session ? state.session.user : null;
}

function rights() {
  return (state.session && state.session.rights) || {};
}

export function mayCreateOrganisations() {
  return Boolean(rights().createOrganisations);
}

export function mayCreateUsers() {
  return Boolean(rights().createUsers);
}

export function mayReadAudit() {
  return Boolean(rights().readAudit);
}

export function mayRegisterApps() {
  return Boolean(rights().registerApps);
}
