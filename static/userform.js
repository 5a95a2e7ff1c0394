// Creating a user, and editing one: profile, memberships, modules, and account actions.

import { api } from './api.js';
import { h, field, errorBox, onSubmit, showError, clearError, secretBox, confirmDialog, busy, formatTime } from './dom.js';
import { state } from './session.js';
import { loadStructure } from './structure.js';
import { describeMembership, isLocked } from './users.js';
import { newPasswordField } from './password.js';
import { grantableScopes, scopeField, roleField } from './pickers.js';
import { guardForm } from './leaving.js';
import { signedInPanel } from './signedin.js';

function scopeBody(value, role) {
  const [key, id] = value.split(':');
  return { [key]: id, role };
}

function modulesFieldset(chosen) {
  const catalogue = state.ui ? state.ui.modules : [];
  return h(
    'fieldset',
    {},
    h('legend', {}, 'Modules'),
    h(
      'div',
      { class: 'checks' },
      catalogue.map((name) =>
        h('label', {}, h('input', { type: 'checkbox', name: 'modules', value: name, checked: chosen.includes(name) }), name),
      ),
    ),
  );
}

function profileFields(user = {}) {
  return [
    h(
      'div',
      { class: 'split' },
      field('First name', h('input', { name: 'firstName', autocomplete: 'off', value: user.firstName || '' })),
      field('Last name', h('input', { name: 'lastName', autocomplete: 'off', value: user.lastName || '' })),
    ),
    h(
      'div',
      { class: 'split' },
      field('Mobile number', h('input', { name: 'mobileNumber', inputmode: 'tel', value: user.mobileNumber || '' })),
      field('Country code', h('input', { name: 'countryCode', value: user.countryCode || '' }), 'For example +44'),
    ),
  ];
}

function optional(value) {
  const text = (value || '').trim();
  return text === '' ? null : text;
}

export async function userFormView(main, id) {
  const errors = errorBox();
  main.replaceChildren(h('h1', {}, id ? 'Edit user' : 'New user'), errors, h('p', { class: 'muted' }, 'Loading…'));
  let structure;
  let user = null;
  try {
    structure = await loadStructure();
    if (id) user = await api('GET', `/api/v1/users/${encodeURIComponent(id)}`);
  } catch (error) {
    main.replaceChildren(h('h1', {}, id ? 'Edit user' : 'New user'), errors);
    showError(errors, error);
    return;
  }
  if (user) editForm(main, user, structure);
  else createForm(main, structure);
}

function createForm(main, structure) {
  const errors = errorBox();
  const scopes = grantableScopes(structure);
  // With nowhere to grant a role (no structure yet), the account is created without one.
  const roleFields = scopes.length
    ? h('fieldset', {}, h('legend', {}, 'Role'), h('div', { class: 'row' }, scopeField(scopes), roleField()))
    : null;
  const form = h(
    'form',
    { class: 'stack panel', id: 'user-form', 'aria-label': 'New user' },
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' })),
    profileFields(),
    roleFields,
    modulesFieldset([]),
    newPasswordField({
      name: 'password',
      label: 'Password',
      hint: 'Leave empty for a temporary password, shown once, that must be changed at first sign-in.',
      generate: () => {},
    }),
    errors,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create user'), h('a', { href: '#/users' }, 'Cancel')),
  );
  onSubmit(form, errors, async (data) => {
    const body = {
      email: data.get('email'),
      firstName: optional(data.get('firstName')),
      lastName: optional(data.get('lastName')),
      mobileNumber: optional(data.get('mobileNumber')),
      countryCode: optional(data.get('countryCode')),
      password: optional(data.get('password')),
      memberships: data.get('scope') ? [scopeBody(data.get('scope'), data.get('role'))] : [],
      modules: data.getAll('modules'),
    };
    const created = await api('POST', '/api/v1/users', body);
    const done = [h('p', {}, `${created.email} was created.`)];
    if (created.temporaryPassword) {
      done.push(
        secretBox(
          'Temporary password, shown only now. Give it to the user; they must change it at first sign-in.',
          created.temporaryPassword,
        ),
      );
    }
    main.replaceChildren(
      h('h1', {}, 'User created'),
      h(
        'div',
        { class: 'panel', id: 'user-created' },
        done,
        h(
          'div',
          { class: 'actions' },
          h('a', { href: `#/users/${created.id}` }, 'Edit this user'),
          h('a', { href: '#/users' }, 'Back to users'),
        ),
      ),
    );
  });
  guardForm(form);
  main.replaceChildren(h('h1', {}, 'New user'), form);
}

/** A user as someone who may change nothing about them sees them (support staff): plain text. */
function readOnlyView(main, user) {
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value || '—')];
  main.replaceChildren(
    h('h1', {}, user.email),
    h('p', { class: 'muted' }, `Status: ${user.status} · last sign-in ${formatTime(user.lastLoginAt)}`),
    h(
      'div',
      { class: 'panel', id: 'user-read-only' },
      h('h2', {}, 'Profile'),
      h('p', { class: 'hint' }, 'Read only: you can look at this account here, not change it.'),
      h(
        'dl',
        {},
        row('Email', user.email),
        row('Name', user.displayName),
        row('Mobile number', user.mobileNumber),
        row('Country code', user.countryCode),
        row('Modules', user.modules.join(', ')),
        row('Roles', user.memberships.length ? user.memberships.map((m) => h('span', { class: 'tag' }, describeMembership(m))) : null),
      ),
    ),
    h('p', {}, h('a', { href: '#/users' }, 'Back to users')),
  );
}

function editForm(main, user, structure) {
  // Nothing to change here and no role to grant: a view, not a form of greyed-out controls.
  if (!user.canManage && grantableScopes(structure).length === 0) {
    readOnlyView(main, user);
    return;
  }
  const reload = () => userFormView(main, user.id);
  const errors = errorBox();
  const form = h(
    'form',
    { class: 'stack', id: 'user-form', 'aria-label': `Edit ${user.email}` },
    field('Email', h('input', { name: 'email', type: 'email', required: true, value: user.email })),
    profileFields(user),
    modulesFieldset(user.modules),
    errors,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save changes')),
  );
  onSubmit(form, errors, async (data) => {
    // Only what changed is sent, so the audit trail records only real changes.
    const wanted = {
      email: data.get('email').trim(),
      firstName: optional(data.get('firstName')),
      lastName: optional(data.get('lastName')),
      mobileNumber: optional(data.get('mobileNumber')),
      countryCode: optional(data.get('countryCode')),
    };
    const patch = {};
    for (const [key, value] of Object.entries(wanted)) {
      if (value !== (user[key] ?? null)) patch[key] = value;
    }
    const modules = data.getAll('modules');
    if ([...modules].sort().join('|') !== [...user.modules].sort().join('|')) {
      patch.modules = modules;
    }
    if (Object.keys(patch).length) await api('PATCH', `/api/v1/users/${user.id}`, patch);
    await reload();
  });
  if (!user.canManage) {
    for (const control of form.querySelectorAll('input, button')) control.disabled = true;
  }
  guardForm(form);

  main.replaceChildren(
    h('h1', {}, user.email),
    h(
      'p',
      { class: 'muted' },
      `Status: ${user.status} · last sign-in ${formatTime(user.lastLoginAt)}`,
      isLocked(user) ? ` · locked until ${formatTime(user.lockedUntil)}` : '',
      user.mustChangePassword ? ' · must change password' : '',
    ),
    h(
      'div',
      { class: 'split' },
      h(
        'div',
        { class: 'panel' },
        h('h2', {}, 'Profile and modules'),
        user.canManage
          ? null
          : h(
              'p',
              { class: 'hint' },
              'This account belongs to a place you do not administer, or holds roles outside what you administer, so you can change only the roles you may grant here.',
            ),
        form,
      ),
      h(
        'div',
        {},
        membershipsPanel(user, structure, reload),
        user.canManage ? accountPanel(user, reload) : null,
        user.canManage ? signedInPanel(user) : null,
      ),
    ),
    h('p', {}, h('a', { href: '#/users' }, 'Back to users')),
  );
}

function membershipsPanel(user, structure, reload) {
  const errors = errorBox();
  const scopes = grantableScopes(structure);
  // A role is removed by whoever administers where it is held: the server says so per place.
  const places = { organisation: structure.organisations, site: structure.sites, plant: structure.plants };
  const mayRevoke = (m) => Boolean((places[m.scopeType] || []).find((place) => place.id === m.scopeId)?.canAdminister);
  const list = h(
    'ul',
    { class: 'membership-list' },
    user.memberships.map((m) =>
      h(
        'li',
        {},
        h('span', { class: 'tag' }, describeMembership(m)),
        mayRevoke(m)
          ? h(
              'button',
              {
                type: 'button',
                class: 'danger',
                onclick: async (event) => {
                  clearError(errors);
                  const question = `Remove the role ${describeMembership(m)} from ${user.email}? They lose what it allows there at once.`;
                  if (!(await confirmDialog(question, 'Remove role'))) return;
                  try {
                    await busy(event.target, () => api('DELETE', `/api/v1/users/${user.id}/memberships/${m.id}`));
                    await reload();
                  } catch (error) {
                    showError(errors, error);
                  }
                },
              },
              'Remove',
            )
          : null,
      ),
    ),
  );
  const add = h(
    'form',
    { class: 'row', 'aria-label': 'Add a role' },
    scopeField(scopes),
    roleField(),
    h('button', { type: 'submit' }, 'Add role'),
  );
  onSubmit(add, errors, async (data) => {
    await api('POST', `/api/v1/users/${user.id}/memberships`, scopeBody(data.get('scope'), data.get('role')));
    await reload();
  });
  return h(
    'div',
    { class: 'panel' },
    h('h2', {}, 'Roles at scopes'),
    user.memberships.length ? list : h('p', { class: 'muted' }, 'No roles you can see.'),
    scopes.length ? add : null,
    errors,
  );
}

function accountPanel(user, reload) {
  const errors = errorBox();
  const result = h('div', {});
  const act = (label, work, danger) =>
    h(
      'button',
      {
        type: 'button',
        class: danger ? 'danger' : undefined,
        onclick: async (event) => {
          clearError(errors);
          try {
            await busy(event.target, work);
          } catch (error) {
            showError(errors, error);
          }
        },
      },
      label,
    );
  const active = user.status === 'active';
  return h(
    'div',
    { class: 'panel' },
    h('h2', {}, 'Account'),
    h(
      'div',
      { class: 'actions' },
      act(active ? 'Disable' : 'Enable', async () => {
        const question = `Disable ${user.email}? They can no longer sign in: their sessions and tokens end at once, and their API keys stop working until the account is enabled again.`;
        if (active && !(await confirmDialog(question, 'Disable'))) return;
        await api('PATCH', `/api/v1/users/${user.id}`, { status: active ? 'disabled' : 'active' });
        await reload();
      }),
      isLocked(user)
        ? act('Unlock', async () => {
            await api('POST', `/api/v1/users/${user.id}/unlock`);
            await reload();
          })
        : null,
      act('Reset password', async () => {
        const question = `Reset the password of ${user.email}? Their password stops working at once, their sessions, tokens and API keys end, and you are shown a temporary password once; they must change it at their next sign-in.`;
        if (!(await confirmDialog(question, 'Reset password'))) return;
        const reset = await api('POST', `/api/v1/users/${user.id}/reset-password`);
        result.replaceChildren(
          secretBox('New temporary password, shown only now. The user must change it at next sign-in.', reset.temporaryPassword),
        );
      }),
      act(
        'Delete user',
        async () => {
          if (!(await confirmDialog(`Delete the user ${user.email}? Their roles, keys and sessions go with them. This cannot be undone.`)))
            return;
          await api('DELETE', `/api/v1/users/${user.id}`);
          location.hash = '#/users';
        },
        true,
      ),
    ),
    result,
    errors,
  );
}
