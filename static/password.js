// New-password fields: the server's policy stated, shown or hidden on request, and generated.

import { h, field } from './dom.js';
import { state } from './session.js';

/** Letters and digits that cannot be mistaken for one another when read aloud or copied. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** The configured minimum length, as the server states it. */
export function minimumLength() {
  return (state.ui && state.ui.passwordMinLength) || 15;
}

/** A random password of at least 20 characters (over 110 bits), never shorter than the minimum. */
export function generatePassword() {
  const length = Math.max(20, minimumLength());
  const limit = 256 - (256 % ALPHABET.length);
  let out = '';
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(64));
    for (const b of bytes) if (b < limit && out.length < length) out += ALPHABET[b % ALPHABET.length];
  }
  return out;
}

/**
 * A new-password field: the policy in its hint (the server checks it and its word is the one
 * shown; the browser's own length check is not used), a Show button, and, when `generate` is
 * given, a Generate button that fills the field (and whatever `generate` fills besides).
 */
export function newPasswordField({ name, label, hint = '', generate }) {
  const input = h('input', { name, type: 'password', autocomplete: 'new-password' });
  const policy =
    `At least ${minimumLength()} characters; not a common password, a word repeated, or the name in the email address. ${hint}`.trim();
  const wrapper = field(label, input, policy);
  const show = h('button', { type: 'button', 'aria-pressed': 'false', 'aria-label': `Show ${label.toLowerCase()}` }, 'Show');
  show.addEventListener('click', () => {
    const shown = input.type === 'password';
    input.type = shown ? 'text' : 'password';
    show.textContent = shown ? 'Hide' : 'Show';
    show.setAttribute('aria-label', `${show.textContent} ${label.toLowerCase()}`);
    show.setAttribute('aria-pressed', String(shown));
  });
  const buttons = [show];
  if (generate) {
    const make = h('button', { type: 'button' }, 'Generate');
    make.addEventListener('click', () => {
      const password = generatePassword();
      input.value = password;
      generate(password);
      // A generated password is shown, so that it can be copied and handed on.
      if (input.type === 'password') show.click();
    });
    buttons.push(make);
  }
  input.insertAdjacentElement('afterend', h('div', { class: 'password-tools' }, buttons));
  return wrapper;
}
