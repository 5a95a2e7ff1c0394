// Importing users from a file on the page: the server previews every line (what it would
// create or change, and each line's error) before anything is written.

import { api } from './api.js';
import { h, field, openDialog, errorBox, showError, clearError, busy } from './dom.js';

/** Sends the file's text; resolves to the server's answer, rejects with ApiError. */
function sendFile(file, text, dryRun) {
  const type = /\.(jsonl|ndjson)$/i.test(file.name) || text.trimStart().startsWith('{') ? 'application/x-ndjson' : 'text/csv';
  return api('POST', `/api/v1/users/import${dryRun ? '?dryRun=true' : ''}`, text, type);
}

function previewTable(preview) {
  const label = { create: 'new user', update: 'changes a user', error: 'cannot be imported' };
  return h(
    'div',
    { class: 'table-wrap preview' },
    h(
      'table',
      { id: 'import-preview', class: 'dense', 'aria-label': 'What the import would do, line by line' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Line', 'Email', 'Would', 'Why not'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        preview.lines.map((l) =>
          h(
            'tr',
            { class: l.outcome === 'error' ? 'bad' : undefined },
            h('td', {}, String(l.line)),
            h('td', {}, l.email),
            h('td', {}, h('span', { class: l.outcome === 'error' ? 'tag bad' : 'tag good' }, label[l.outcome])),
            h('td', {}, l.error || ''),
          ),
        ),
      ),
    ),
  );
}

/** Opens the import dialog; `done()` runs after a successful import. */
export function openImport(done) {
  openDialog('Import users from a file', (close) => {
    const errors = errorBox();
    const input = h('input', { type: 'file', name: 'file', accept: '.csv,.jsonl,.ndjson,text/csv' });
    const summary = h('p', { role: 'status' });
    const place = h('div', {});
    const importButton = h('button', { type: 'button', class: 'primary', disabled: true }, 'Import');
    let text = '';

    input.addEventListener('change', async () => {
      clearError(errors);
      place.replaceChildren();
      importButton.disabled = true;
      const file = input.files[0];
      if (!file) return;
      text = await file.text();
      summary.textContent = 'Checking every line…';
      try {
        const preview = await sendFile(file, text, true);
        summary.textContent =
          `${preview.created} new, ${preview.updated} changed` +
          (preview.failed
            ? `, ${preview.failed} cannot be imported: fix them in the file and choose it again.`
            : '. Nothing is written until you import.');
        place.replaceChildren(previewTable(preview));
        importButton.disabled = preview.failed > 0;
        importButton.textContent = `Import ${preview.created + preview.updated} users`;
      } catch (error) {
        summary.textContent = '';
        showError(errors, error);
      }
    });
    importButton.addEventListener('click', () =>
      busy(importButton, async () => {
        try {
          const result = await sendFile(input.files[0], text, false);
          summary.textContent = `Imported: ${result.created} new and ${result.updated} changed users.`;
          importButton.hidden = true;
          await done();
        } catch (error) {
          showError(errors, error);
        }
      }),
    );
    return h(
      'div',
      { id: 'import-users' },
      h(
        'p',
        { class: 'hint' },
        'A CSV file with the columns of the users export (email, firstName, lastName, roles, modules…), or JSON lines. Users are matched by email: a known email changes that user.',
      ),
      field('File', input),
      summary,
      errors,
      place,
      h('div', { class: 'actions' }, importButton, h('button', { type: 'button', onclick: close }, 'Close')),
    );
  });
}
