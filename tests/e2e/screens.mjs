// The checks of the admin page's screens that have their own step: the users table, bulk
// actions, importing, where a user is signed in, the audit view, the theme and the shortcuts.
// `admin-page.mjs` runs them in its flow, with its page and helpers.

import { readFileSync } from 'node:fs';

/** The checks, bound to the browser test's page and helpers. */
export function screenChecks({ page, url, step, check, screen, confirmWith, node }) {
  /** The dark theme follows the system; `/`, `n` and `?` work from anywhere but a field. */
  async function themeAndShortcutChecks() {
    step('keyboard shortcuts: / finds a user, n starts a new one, ? lists them');
    await page.keyboard.press('?');
    const help = page.locator('#shortcuts');
    await help.getByText('New user').waitFor();
    await screen('shortcuts');
    await help.getByRole('button', { name: 'Close' }).click();
    await page.keyboard.press('/');
    await page.waitForFunction(() => document.activeElement && document.activeElement.name === 'q');
    check(page.url().includes('#/users'), `/ goes to the users' search: ${page.url()}`);
    await page.keyboard.type('n');
    check(!page.url().includes('#/users/new'), 'an n typed into the search box is only a letter');
    await page.locator('main h1').click();
    await page.keyboard.press('n');
    await page.locator('#user-form').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    step('a dark theme follows the system setting, and stays readable');
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = dark.match(/\d+/g).map(Number);
    check(r + g + b < 150, `the page is dark: ${dark}`);
    await page.locator('svg.chart').first().waitFor();
    await screen('start-dark');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByText(/^Users 1–\d+ of \d+$/).waitFor();
    await screen('users-table-dark');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Structure' }).click();
    await node('North Works')
      .locator('a.count')
      .filter({ hasText: /users?$/ })
      .waitFor();
    await screen('structure-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  }

  /** The audit view: names not ids, one line a row, details, a person filter, no sideways scroll. */
  async function auditViewChecks(table) {
    step('the audit view speaks names, one line a row, with details and filters');
    const created = table.locator('tbody tr', { hasText: 'User created' }).filter({
      has: page.locator('td:nth-child(4)', { hasText: 'Maria Silva · maria.silva@acme.example' }),
    });
    check((await created.count()) === 1, 'the new user is named by name and email');
    check(/^user id /.test(await created.locator('td').nth(3).getAttribute('title')), 'with the id on hover');
    const heights = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getBoundingClientRect().height));
    check(Math.max(...heights) <= 40, `one line a row: the tallest is ${Math.max(...heights)}px`);
    await created.getByRole('button', { name: /^Details of User created/ }).click();
    const details = page.locator('#audit-details');
    await details.getByText('Chain hash').waitFor();
    check((await details.textContent()).includes('maria.silva@acme.example'), 'the details name the user');
    await screen('audit-details');
    await details.getByRole('button', { name: 'Close' }).click();
    await page.getByLabel('Person (email)').fill('maria.silva@acme.example');
    await page.getByLabel('Organisation', { exact: true }).selectOption({ label: 'Acme Steel' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#audit-table tbody tr')].every((r) => r.textContent.includes('maria.silva@acme.example')),
    );
    const rows = await table.locator('tbody tr').allTextContents();
    check(rows.length > 0 && rows.every((r) => r.includes('maria.silva@acme.example')), `only Maria's events: ${rows.join(' | ')}`);
    await screen('audit');
    await page.setViewportSize({ width: 768, height: 1024 });
    const sideways = await page.evaluate(() => {
      const wrap = document.querySelector('#audit-table').parentElement;
      return [wrap.scrollWidth - wrap.clientWidth, document.documentElement.scrollWidth - window.innerWidth];
    });
    check(sideways[0] <= 0 && sideways[1] <= 0, `no sideways scrolling at 768 px: ${sideways}`);
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  /** A user's page lists where they are signed in, and signs them out everywhere. */
  async function signedInChecks() {
    step("a user's live sessions, and sign out everywhere");
    const login = await fetch(new URL('/api/v1/auth/login', url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'crew10@acme.example', password: 'crew member pass phrase' }),
    });
    check(login.ok, `crew10 signs in elsewhere: ${login.status}`);
    await page.getByLabel('Search').fill('crew10');
    await page.getByText('Users 1–1 of 1', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'crew10@acme.example' }).click();
    const panel = page.locator('#signed-in');
    await panel.getByText('Admin page session').waitFor();
    check((await panel.textContent()).includes('127.0.0.1'), 'the session says where it was made');
    await screen('user-page');
    await panel.getByRole('button', { name: 'Sign out everywhere' }).click();
    await confirmWith('Sign out everywhere', ['crew10@acme.example', '1 session', 'API keys keep working']);
    await panel.getByText('Signed out: 1 ended.').waitFor();
    await panel.getByText('Not signed in anywhere.').waitFor();
    await page.getByRole('link', { name: 'Back to users' }).click();
    await page.getByLabel('Search').fill('');
  }

  /** Importing a file on the page: every line previewed, errors by line, then written. */
  async function importChecks() {
    step('import users from a CSV file: a preview with the errors by line, then the import');
    await page.getByRole('button', { name: 'Import users' }).click();
    const dialog = page.locator('#import-users');
    const file = (text) => ({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
    await dialog
      .getByLabel('File')
      .setInputFiles(file('email,firstName,lastName\nfiled.one@acme.example,Filed,One\nbroken@nodot,Bro,Ken\n'));
    const preview = page.locator('#import-preview');
    await preview.getByText('cannot be imported').waitFor();
    const bad = await preview.locator('tr.bad').textContent();
    check(bad.includes('broken@nodot') && /domain/i.test(bad), `the bad line says why: ${bad}`);
    check(await dialog.getByRole('button', { name: /^Import/ }).isDisabled(), 'nothing can be imported while a line is wrong');
    await dialog
      .getByLabel('File')
      .setInputFiles(file('email,firstName,lastName\nfiled.one@acme.example,Filed,One\nfiled.two@acme.example,Filed,Two\n'));
    await dialog.getByRole('button', { name: 'Import 2 users' }).click();
    await dialog.getByText('Imported: 2 new and 0 changed users.').waitFor();
    await screen('users-import');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByLabel('Search').fill('filed.');
    await page.getByText('Users 1–2 of 2', { exact: true }).waitFor();
    await page.getByLabel('Search').fill('');
  }

  /** Bulk actions on the ticked users and on all that match, each confirmed with its count. */
  async function bulkChecks() {
    step('bulk actions: on the ticked users, on all that match, each confirmed with the count');
    await page.getByLabel('Search').fill('crew0');
    await page.getByText('Users 1–10 of 10', { exact: true }).waitFor();
    await page.getByLabel('Select crew01@acme.example').check();
    await page.getByLabel('Select crew02@acme.example').check();
    const bar = page.locator('#bulk-actions');
    await bar.getByLabel('Action').selectOption({ label: 'Disable' });
    await bar.getByRole('button', { name: 'Apply' }).click();
    await confirmWith('Disable', ['Disable 2 users?', 'signed out']);
    await bar.getByText('Done: 2 of 2 users changed.').waitFor();
    await page.waitForFunction(
      () => [...document.querySelectorAll('#users-table tbody tr')].filter((r) => r.textContent.includes('disabled')).length === 2,
    );
    await bar.getByLabel('Act on').selectOption({ label: 'All that match the filters' });
    await bar.getByLabel('Action').selectOption({ label: 'Enable' });
    await bar.getByRole('button', { name: 'Apply' }).click();
    await confirmWith('Enable', ['Enable 10 users?']);
    await bar.getByText('Done: 2 of 10 users changed (8 already were so).').waitFor();
    await bar.getByLabel('Action').selectOption({ label: 'Add a role' });
    await bar.getByRole('button', { name: 'Apply' }).click();
    const dialog = page.locator('dialog[open]');
    await dialog.getByLabel('Where').selectOption({ label: 'Acme Steel › North Works (whole site)' });
    await dialog.getByLabel('Role').selectOption('viewer');
    await dialog.getByRole('button', { name: 'Add the role for 10 users' }).click();
    await bar.getByText('Done: 10 of 10 users changed.').waitFor();
    await page.locator('#users-table .tag', { hasText: 'viewer · North Works' }).first().waitFor();
    await page.getByLabel('Select crew03@acme.example').check();
    await bar.getByLabel('Act on').selectOption({ label: 'The selected users' });
    await bar.getByLabel('Action').selectOption({ label: 'Export as CSV' });
    const downloaded = page.waitForEvent('download');
    await bar.getByRole('button', { name: 'Apply' }).click();
    await confirmWith('Export as CSV', ['Export 1 user as CSV?']);
    const file = await (await downloaded).path();
    const exported = readFileSync(file, 'utf8');
    check(exported.includes('crew03@acme.example') && !exported.includes('crew04@'), 'the export holds the ticked user only');
    await bar.getByLabel('Action').selectOption({ label: 'Delete' });
    await bar.getByRole('button', { name: 'Apply' }).click();
    await confirmWith('Delete', ['Delete 1 user?', 'cannot be undone']);
    await page.getByText('Users 1–9 of 9', { exact: true }).waitFor();
    await screen('users-bulk');
    await page.getByLabel('Search').fill('');
  }

  /** The users table: a total, dense rows, sorting, state filters, pills naming a plant's site. */
  async function usersTableChecks() {
    step('the users table: a total, dense rows, sorting, state filters, roles naming the site');
    await page.getByText('Users 1–50 of 58').waitFor();
    const rows = page.locator('#users-table tbody tr');
    const top = await rows.nth(0).boundingBox();
    const fifteenth = await rows.nth(14).boundingBox();
    const span = fifteenth.y + fifteenth.height - top.y;
    check(span <= 760, `15 rows take ${span}px of an 800px screen`);
    const emailHeader = page.locator('#users-table th', { hasText: 'Email' });
    check((await emailHeader.getAttribute('aria-sort')) === 'ascending', 'the table starts in email order');
    await emailHeader.getByRole('button').click();
    check((await emailHeader.getAttribute('aria-sort')) === 'descending', 'a second click reverses');
    // Every page in that order, from the server: the first page now starts at the end.
    await page.waitForFunction(() => {
      const first = document.querySelector('#users-table tbody tr td:nth-child(2)');
      return first && first.textContent === 'root@plant.example';
    });
    const firstEmail = await rows.nth(0).locator('td').nth(1).textContent();
    const lastEmail = await rows.nth(49).locator('td').nth(1).textContent();
    check(firstEmail > lastEmail, `descending: ${firstEmail} before ${lastEmail}`);
    await page.getByText('Users 1–50 of 58', { exact: true }).waitFor();
    const nameHeader = page.locator('#users-table th', { hasText: 'Name' });
    await nameHeader.getByRole('button').click();
    check((await nameHeader.getAttribute('aria-sort')) === 'ascending', 'sorted by name');
    check((await emailHeader.getAttribute('aria-sort')) === 'none', 'and no longer by email');
    // By name, "Administrator" (root) comes first and "crew00" next.
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('#users-table tbody tr td:nth-child(3)')].slice(0, 2);
      return cells.map((c) => c.textContent).join('|') === 'Administrator|crew00';
    });
    for (const label of ['Status', 'Last sign-in']) {
      await page.locator('#users-table th', { hasText: label }).getByRole('button').click();
    }
    await page.getByLabel('State').selectOption({ label: 'Must change password' });
    await page.locator('#users-table').getByText('crew00@acme.example').waitFor();
    // The rows of the filter, not the ones still shown from before it.
    await page.waitForFunction(() =>
      [...document.querySelectorAll('#users-table tbody tr td:nth-child(6)')].every((td) =>
        td.textContent.includes('must change password'),
      ),
    );
    const states = await rows.locator('td:nth-child(6)').allTextContents();
    check(states.length >= 1 && states.every((t) => t.includes('must change password')), `must change only: ${states}`);
    await page.getByLabel('State').selectOption({ label: 'Disabled' });
    await page.getByText('No users match.').waitFor();
    await page.getByLabel('State').selectOption({ label: 'Any state' });
    await page.getByLabel('Search').fill('lee.chen');
    await page.getByText('Users 1–1 of 1').waitFor();
    await page.locator('#users-table .tag', { hasText: 'member · Press Shop (North Works)' }).waitFor();
    check(!(await page.getByLabel('Show all columns').isVisible()), 'no column is hidden at 1280 px, so no toggle');
    await page.setViewportSize({ width: 768, height: 1024 });
    const modules = page.locator('#users-table th', { hasText: 'Modules' });
    check(!(await modules.isVisible()), 'Modules is hidden at tablet width');
    await page.getByLabel('Show all columns').check();
    check(await modules.isVisible(), 'Show all columns brings the hidden columns back');
    await screen('users-table-all-columns');
    await page.setViewportSize({ width: 1280, height: 800 });
    await emailHeader.getByRole('button').click();
    check((await emailHeader.getAttribute('aria-sort')) === 'ascending', 'back in email order');
    await page.getByLabel('Search').fill('');
    await page.getByText('Users 1–50 of 58', { exact: true }).waitFor();
  }

  /** The API link shows the server's own OpenAPI document, rendered from embedded files. */
  async function apiReferenceChecks() {
    step('the API page renders the OpenAPI document the server serves');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API' }).click();
    await page.getByRole('heading', { name: 'API', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'users' }).waitFor();
    const operations = page.locator('details.operation');
    check((await operations.count()) > 30, `every operation is listed: ${await operations.count()}`);
    const login = operations.filter({ hasText: '/api/v1/auth/login' });
    await login.locator('summary').click();
    check((await login.textContent()).includes('No credentials needed.'), 'sign-in needs no credentials');
    const link = await page.getByRole('link', { name: 'the OpenAPI document' }).getAttribute('href');
    check(link === '/api/v1/openapi.json', `the document is linked: ${link}`);
    await screen('api-reference');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByLabel('Search').waitFor();
  }

  return { themeAndShortcutChecks, auditViewChecks, signedInChecks, importChecks, bulkChecks, usersTableChecks, apiReferenceChecks };
}
