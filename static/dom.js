// Small helpers for building the page without a framework or a build step.

let nextId = 0;

/** Creates an element: h('button', { class: 'primary', onclick }, 'Save'). */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key.startsWith('on')) element.addEventListener(key.slice(2), value);
    else if (key === 'value') element.value = value;
    else if (key === 'checked') element.checked = Boolean(value);
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A labelled control: the label is tied to the input by id. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid('f');
  const hintNode = hint ? h('span', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintNode) control.setAttribute('aria-describedby', hintNode.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintNode);
}

export function select(name, options, current) {
  return h(
    'select',
    { name },
    options.map(([value, label]) => h('option', { value, selected: value === current }, label)),
  );
}

/** Where a form's errors are shown, next to the form. */
export function errorBox() {
  return h('p', { class: 'error', role: 'alert', hidden: true });
}

export function showError(box, error) {
  box.textContent = humanize(error);
  box.hidden = false;
}

export function clearError(box) {
  box.textContent = '';
  box.hidden = true;
}

/** The server's message in words a person understands. */
export function humanize(error) {
  if (!error || !error.status) return error && error.message ? error.message : 'Something went wrong.';
  switch (error.status) {
    case 0:
      return error.message;
    case 401:
      return error.message === 'wrong email or password' ? 'The email or password is wrong.' : 'Please sign in again.';
    case 403:
      return error.code === 'password_change_required'
        ? 'Please change your password first.'
        : `You are not allowed to do this: ${error.message}.`;
    case 404:
      return `Not found: ${error.message}. It may have been deleted by someone else.`;
    case 409:
      return capitalise(error.message);
    case 413:
      return 'That is too much data for one request.';
    case 429:
      return `Too many failed sign-ins from this computer. Try again in ${error.retryAfter || 'a few'} seconds.`;
    case 503:
      // Said for people: a read-only replica naming its primary, a full disk, a busy database.
      return capitalise(error.message);
    default:
      if (error.status >= 500) return 'The server could not do this. Its log has the details; please tell your administrator.';
      if (error.field) return fieldMessage(fieldWords(error.field), error);
      return capitalise(error.message);
  }
}

function capitalise(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) + (text.endsWith('.') ? '' : '.') : 'The request was refused.';
}

/**
 * Runs `work` while `button` shows progress; a second click while it runs does nothing, so
 * nothing happens twice.
 */
export async function busy(button, work) {
  if (button.dataset.busy === 'true') return undefined;
  button.dataset.busy = 'true';
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = 'Working…';
  try {
    return await work();
  } finally {
    button.dataset.busy = 'false';
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = label;
  }
}

/** Wires a form: on submit, runs `work(data)` with progress and shows any error beside it. */
export function onSubmit(form, errors, work) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]');
    clearError(errors);
    clearFieldErrors(form);
    try {
      await busy(button, () => work(new FormData(form)));
    } catch (error) {
      if (!showAtField(form, error)) showError(errors, error);
    }
  });
}

/** "mobileNumber" as people say it: "Mobile number". */
function fieldWords(name) {
  const words = name
    .replace(/\[\d+\]/g, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The server's message without its leading `field: `, in words and with the field's label. */
function fieldMessage(label, error) {
  const prefix = `${error.field}: `;
  const rest = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  return `${label}: ${rest}`;
}

function clearFieldErrors(form) {
  for (const node of form.querySelectorAll('.field-error')) node.remove();
  for (const control of form.querySelectorAll('[aria-invalid="true"]')) {
    control.removeAttribute('aria-invalid');
    const described = (control.getAttribute('aria-describedby') || '').split(' ').filter((id) => !id.endsWith('-error'));
    if (described.length) control.setAttribute('aria-describedby', described.join(' '));
    else control.removeAttribute('aria-describedby');
  }
}

/**
 * Shows an error the server gave for one field at that field's control: the control is marked
 * invalid, the message (in the label's words) is announced and scrolled into view. False when
 * the form has no such control.
 */
function showAtField(form, error) {
  const control = error && error.field ? form.querySelector(`[name="${CSS.escape(error.field)}"]`) : null;
  if (!control) return false;
  const label = control.labels && control.labels.length ? control.labels[0].textContent : fieldWords(error.field);
  if (!control.id) control.id = uid('f');
  const note = h('p', { class: 'field-error', id: `${control.id}-error`, role: 'alert' }, fieldMessage(label, error));
  control.setAttribute('aria-invalid', 'true');
  const described = control.getAttribute('aria-describedby');
  control.setAttribute('aria-describedby', described ? `${described} ${note.id}` : note.id);
  control.insertAdjacentElement('afterend', note);
  control.focus();
  note.scrollIntoView({ block: 'center' });
  return true;
}

/** A stored time in the browser's time zone, with that zone named (`1 Dec 2026, 20:31 GMT+1`). */
const TIME_FORMAT = {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
};

export function formatTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, TIME_FORMAT);
}

const SHORT_TIME = {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
};

/** A time for a table cell: no year, seconds kept, the zone named ("Dec 1, 22:14:05 UTC"). */
export function formatShortTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, SHORT_TIME);
}

/** Shows a secret once, with a button that copies it. */
export function secretBox(label, value) {
  const code = h('code', { 'data-secret': 'true' }, value);
  const status = h('span', { class: 'hint', role: 'status' });
  const copy = h('button', { type: 'button' }, 'Copy');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      status.textContent = 'Copied.';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(code);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      status.textContent = 'Selected: press Ctrl+C to copy.';
    }
  });
  return h('div', { class: 'notice' }, h('p', {}, label), h('div', { class: 'secret' }, code, copy, status));
}

/** Asks a yes-or-no question in a modal dialog; resolves to true on yes. */
export function confirmDialog(message, yes = 'Delete') {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-label': 'Please confirm' });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(
      h('p', {}, message),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'danger', onclick: () => finish(true) }, yes),
        h('button', { type: 'button', onclick: () => finish(false), autofocus: true }, 'Cancel'),
      ),
    );
    dialog.addEventListener('cancel', () => finish(false));
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Shows a small form in a modal dialog; `build(close)` returns its content. */
export function openDialog(title, build) {
  const dialog = h('dialog', { 'aria-label': title });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  dialog.addEventListener('cancel', close);
  dialog.append(h('h2', {}, title), build(close));
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector('input, select, textarea');
  if (first) first.focus();
  return close;
}

/** Keyset pages: keeps the cursors behind the current page, and the Previous/Next buttons. */
export function pager(load) {
  const cursors = [null];
  let nextCursor = null;
  const status = h('span', { class: 'muted', role: 'status' });
  const previous = h('button', { type: 'button', disabled: true }, 'Previous');
  const next = h('button', { type: 'button', disabled: true }, 'Next');
  previous.addEventListener('click', () => {
    cursors.pop();
    load();
  });
  next.addEventListener('click', () => {
    cursors.push(nextCursor);
    load();
  });
  return {
    element: h('div', { class: 'pager' }, status, previous, next),
    status,
    /** The cursor of the page to show, and how many pages come before it. */
    cursor: () => cursors[cursors.length - 1],
    before: () => cursors.length - 1,
    /** Back to the first page, e.g. when a filter changes. */
    restart: () => {
      cursors.length = 1;
      load();
    },
    /** Enables the buttons for the page just shown. */
    shown: (page) => {
      nextCursor = page.nextCursor || null;
      previous.disabled = cursors.length === 1;
      next.disabled = !nextCursor;
    },
  };
}
