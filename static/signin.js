// Signing in, under the operator's system-use notice, and the forced password change.

import { api } from './api.js';
import { h, field, errorBox, onSubmit } from './dom.js';
import { user } from './session.js';
import { newPasswordField } from './password.js';

/** On a read-only replica: says so, and links to the primary where sign-ins and changes go. */
export function replicaNotice(ui) {
  if (!ui || !ui.replica) return null;
  const url = ui.replica.primaryUrl;
  return h(
    'p',
    { class: 'notice replica', role: 'note', id: 'replica-notice' },
    'This Gatehouse is a read-only replica: it shows what the primary holds, a moment late, and changes nothing. ',
    url
      ? h('span', {}, 'Sign in and make changes on the primary: ', h('a', { href: url }, url), '.')
      : 'Sign in and make changes on the primary.',
  );
}

export function showSignIn(root, ui, onSignedIn, message) {
  const errors = errorBox();
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { class: 'stack', 'aria-label': 'Sign in' },
    field('Email', email),
    field('Password', password),
    errors,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Sign in')),
  );
  onSubmit(form, errors, async (data) => {
    const session = await api('POST', '/api/v1/auth/login', { email: data.get('email'), password: data.get('password') });
    onSignedIn(session);
  });
  root.replaceChildren(
    h(
      'main',
      { class: 'signin' },
      h('h1', {}, 'Gatehouse'),
      h('div', { class: 'banner', role: 'note', id: 'system-use-banner' }, ui ? ui.banner : ''),
      replicaNotice(ui),
      message ? h('p', { class: 'notice', role: 'status' }, message) : null,
      h('div', { class: 'panel' }, form),
    ),
  );
  email.focus();
}

/** A form to change one's own password: current, new, and the new once more. */
export function passwordForm(onChanged, submitLabel = 'Change password') {
  const errors = errorBox();
  const again = h('input', { name: 'again', type: 'password', autocomplete: 'new-password', required: true });
  const form = h(
    'form',
    { class: 'stack', 'aria-label': 'Change password' },
    field('Current password', h('input', { name: 'currentPassword', type: 'password', autocomplete: 'current-password', required: true })),
    newPasswordField({
      name: 'newPassword',
      label: 'New password',
      hint: 'A few unrelated words are easy to remember and hard to guess.',
      generate: (password) => {
        again.value = password;
      },
    }),
    field('New password again', again),
    errors,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, submitLabel)),
  );
  onSubmit(form, errors, async (data) => {
    if (data.get('newPassword') !== data.get('again')) throw new Error('The two new passwords are not the same.');
    await api('PUT', '/api/v1/users/me/password', {
      currentPassword: data.get('currentPassword'),
      newPassword: data.get('newPassword'),
    });
    form.reset();
    await onChanged();
  });
  return form;
}

export function showPasswordChange(root, onChanged, onSignOut) {
  const me = user();
  root.replaceChildren(
    h(
      'main',
      { class: 'signin' },
      h('h1', {}, 'Choose a new password'),
      h('p', {}, `${me.email} signed in with a temporary password. Choose your own before going on.`),
      h('div', { class: 'panel' }, passwordForm(onChanged, 'Save new password')),
      h('p', {}, h('button', { type: 'button', onclick: onSignOut }, 'Sign out')),
    ),
  );
}
