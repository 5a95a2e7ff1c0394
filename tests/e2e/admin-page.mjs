// Drives the Gatehouse admin page in Debian's headless Chromium, as the plant's IT person would.
// Started by tests/e2e.rs with GATEHOUSE_URL, ADMIN_EMAIL, ADMIN_PASSWORD and SCREENSHOTS set.
// Exits non-zero on the first failed step or on any console error.

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { screenChecks } from './screens.mjs';

const url = process.env.GATEHOUSE_URL;
const adminEmail = process.env.ADMIN_EMAIL;
const adminPassword = process.env.ADMIN_PASSWORD;
const screenshots = process.env.SCREENSHOTS || 'screenshots';
mkdirSync(screenshots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
const problems = [];
page.on('console', (message) => {
  if (message.type() === 'error') problems.push(`console: ${message.text()}`);
});
page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
// A server error is a failure whatever the page makes of it.
page.on('response', (response) => {
  if (response.status() >= 500) problems.push(`server error: ${response.status()} for ${response.request().method()} ${response.url()}`);
});

function step(name) {
  console.log(`- ${name}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Every input, select and button on the page has a name a screen reader can announce. */
async function checkLabels(where) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => el.type !== 'hidden')
      .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.textContent || '').trim())
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  check(unlabelled.length === 0, `controls without a label on ${where}: ${unlabelled.join(', ')}`);
}

/** axe-core, read once and run in the page (evaluated, so the page's CSP stays as it is). */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** No serious or critical accessibility violation on the screen as it is now. */
async function scan(where) {
  const { found, checked } = await page.evaluate(async (source) => {
    if (!window.axe) (0, eval)(source);
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return {
      checked: result.passes.length + result.violations.length,
      found: result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map(
          (v) =>
            `${v.id} (${v.impact}) at ${v.nodes
              .slice(0, 3)
              .map((n) => n.target.join(' '))
              .join(', ')}`,
        ),
    };
  }, axeSource);
  check(checked > 10, `axe-core ran its rules on ${where}: ${checked}`);
  check(found.length === 0, `accessibility of ${where}: ${found.join('; ')}`);
}

/** A screen, at both sizes: scanned for accessibility and photographed (`name`, `name-tablet`). */
async function screen(name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 800 });
  await scan(name);
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 768, height: 1024 });
  await scan(`${name} at tablet width`);
  await page.screenshot({ path: join(screenshots, `${name}-tablet.png`), fullPage: true });
  await page.setViewportSize(size);
}

/** POSTs `body` to `path` with the page's own session and CSRF token; resolves to the status. */
async function postAsThePage(path, body) {
  return page.evaluate(
    async ([target, payload]) => {
      const ui = await (await fetch('/api/v1/ui')).json();
      const headers = {
        'Content-Type': 'application/json',
        'X-Requested-With': 'gatehouse-admin',
        'X-CSRF-Token': ui.session.csrfToken,
      };
      return (await fetch(target, { method: 'POST', headers, body: JSON.stringify(payload) })).status;
    },
    [path, body],
  );
}

/** The id of the site called `name`, as the signed-in user sees the sites. */
async function siteId(name) {
  return page.evaluate(async (wanted) => {
    const sites = await (await fetch('/api/v1/sites')).json();
    return sites.items.find((s) => s.name === wanted).id;
  }, name);
}

/** Answers the open confirmation with `yes`, after checking that it says each of `words`. */
async function confirmWith(yes, words) {
  const dialog = page.locator('dialog[open]');
  const text = await dialog.textContent();
  for (const word of words) check(text.includes(word), `the confirmation says "${word}": ${text}`);
  await dialog.getByRole('button', { name: yes }).click();
  await dialog.waitFor({ state: 'detached' });
}

async function signIn(email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signOut() {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
}

async function nameDialog(button, name) {
  await button.click();
  const dialog = page.locator('dialog[open]');
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** A read-only replica's page: it says so, links to the primary, and its sign-in is refused. */
async function replicaChecks() {
  step('a read-only replica says so, links to the primary, and refuses a password sign-in');
  const replica = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  replica.setDefaultTimeout(15000);
  const errors = [];
  replica.on('pageerror', (error) => errors.push(error.message));
  // The one 5xx expected: the replica refuses the sign-in with 503, naming the primary.
  replica.on('response', (response) => {
    const expected = response.status() === 503 && response.url().endsWith('/api/v1/auth/login');
    if (response.status() >= 500 && !expected) errors.push(`server error: ${response.status()} for ${response.url()}`);
  });
  await replica.goto(process.env.REPLICA_URL);
  const notice = replica.locator('#replica-notice');
  await notice.waitFor();
  check((await notice.textContent()).includes('read-only replica'), 'the notice says read-only replica');
  const link = await notice.getByRole('link').getAttribute('href');
  check(link === process.env.PRIMARY_URL, `the notice links to the primary: ${link}`);
  await replica.getByLabel('Email').fill(adminEmail);
  await replica.getByLabel('Password').fill(adminPassword);
  await replica.getByRole('button', { name: 'Sign in' }).click();
  const refusal = replica.getByRole('alert');
  await refusal.waitFor();
  check((await refusal.textContent()).includes('read-only replica'), 'the refused sign-in says why');
  await replica.screenshot({ path: join(screenshots, 'replica-signin.png') });
  check(errors.length === 0, `replica page errors:\n${errors.join('\n')}`);
  await replica.close();
}

const node = (name) => page.locator('.node', { has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });
const { themeAndShortcutChecks, auditViewChecks, signedInChecks, importChecks, bulkChecks, usersTableChecks, apiReferenceChecks } =
  screenChecks({
    page,
    url,
    step,
    check,
    screen,
    confirmWith,
    node,
  });

try {
  step('the sign-in form shows the system-use banner');
  await page.goto(url);
  const banner = await page.locator('#system-use-banner').textContent();
  check(banner.includes('Authorised use only'), `banner: ${banner}`);

  await screen('sign-in');

  step('sign in as the bootstrap admin, from the keyboard alone');
  await checkLabels('the sign-in form');
  await page.keyboard.type(adminEmail);
  await page.keyboard.press('Tab');
  await page.keyboard.type(adminPassword);
  await page.keyboard.press('Enter');
  await page.getByRole('navigation', { name: 'Main' }).waitFor();

  step('create an organisation, two sites and a plant');
  await page.getByRole('link', { name: 'Structure' }).click();
  await nameDialog(page.getByRole('button', { name: 'New organisation' }), 'Acme Steel');
  await node('Acme Steel').getByRole('button', { name: 'Add site' }).click();
  // A site's time zone is chosen from the IANA names the server accepts.
  const zoneOptions = await page.locator('datalist#time-zones option').count();
  check(zoneOptions > 400, `the time zone field offers the IANA names: ${zoneOptions}`);
  const siteDialog = page.locator('dialog[open]');
  check((await siteDialog.getByLabel('Time zone').getAttribute('list')) === 'time-zones', 'the field lists the zones');
  await siteDialog.getByLabel('Name').fill('North Works');
  await siteDialog.getByLabel('Time zone').fill('Europe/London');
  await siteDialog.getByRole('button', { name: 'Save' }).click();
  await siteDialog.waitFor({ state: 'detached' });
  await nameDialog(node('Acme Steel').getByRole('button', { name: 'Add site' }), 'South Works');
  await nameDialog(node('North Works').getByRole('button', { name: 'Add plant' }), 'Press Shop');
  await node('Press Shop').waitFor();

  step('create a site admin with a temporary password');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('button', { name: 'New user' }).click();
  const form = page.locator('#user-form');
  await form.getByLabel('Email').fill('maria.silva@acme.example');
  await form.getByLabel('First name').fill('Maria');
  await form.getByLabel('Last name').fill('Silva');
  // The pickers start on nothing: a default would quietly grant the first place in the list.
  check((await form.getByLabel('Where').inputValue()) === '', 'the place picker starts empty');
  check((await form.getByLabel('Role').inputValue()) === '', 'the role picker starts empty');
  check(
    await form.getByLabel('Where').evaluate((select) => select.required && !select.checkValidity()),
    'a place must be chosen before the form is sent',
  );
  await form.getByLabel('Where').selectOption({ label: 'Acme Steel › North Works (whole site)' });
  await form.getByLabel('Role').selectOption('admin');
  check(
    (await form.locator('#' + (await form.getByLabel('Role').getAttribute('aria-describedby'))).textContent()).includes('grants'),
    'the chosen role says what it may do',
  );
  await form.getByLabel('Alerting').check();
  // The password field states the configured policy, not the browser's, and can show and generate.
  const minimum = await page.evaluate(async () => (await (await fetch('/api/v1/ui')).json()).passwordMinLength);
  const passwordField = form.getByLabel('Password', { exact: true });
  const policy = await form.locator('#' + (await passwordField.getAttribute('aria-describedby'))).textContent();
  check(policy.includes(`At least ${minimum} characters`), `the policy is the server's: ${policy}`);
  check((await passwordField.getAttribute('minlength')) === null, 'no browser length rule of its own');
  await form.getByRole('button', { name: 'Generate' }).click();
  const generated = await passwordField.inputValue();
  check(generated.length >= Math.max(20, minimum), `a generated password is long enough: ${generated.length}`);
  check((await passwordField.getAttribute('type')) === 'text', 'a generated password is shown');
  await form.getByRole('button', { name: 'Hide password' }).click();
  check((await passwordField.getAttribute('type')) === 'password', 'and can be hidden again');
  // Left empty here: the server makes a temporary one.
  await passwordField.fill('');
  await checkLabels('the user form');
  await screen('user-form');
  // A double click must not create the user twice.
  await form.getByRole('button', { name: 'Create user' }).dblclick();
  await page.locator('#user-created').waitFor();
  const temporary = (await page.locator('code[data-secret]').textContent()).trim();
  check(temporary.length >= 15, 'a temporary password is shown');
  await page.getByRole('button', { name: 'Copy' }).waitFor();

  step('the users table lists the new admin');
  await page.getByRole('link', { name: 'Back to users' }).click();
  await page.locator('#users-table').getByText('maria.silva@acme.example').waitFor();
  const rows = await page.locator('#users-table tbody tr').count();
  check(rows === 2, `two users, not ${rows}`);
  await checkLabels('the users page');
  await screen('users-table');

  step('sign in as the site admin and change the temporary password');
  await signOut();
  await signIn('maria.silva@acme.example', temporary);
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  // The forced change can be left by signing out; the next sign-in asks again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await signIn('maria.silva@acme.example', temporary);
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await page.getByLabel('Current password').fill(temporary);
  await page.getByLabel('New password', { exact: true }).fill('north works night shift');
  await page.getByLabel('New password again').fill('north works night shift');
  await page.getByRole('button', { name: 'Save new password' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();

  step('the site admin sees only their site');
  await page.getByRole('link', { name: 'Structure' }).click();
  await node('North Works').waitFor();
  check((await node('South Works').count()) === 0, 'South Works is hidden from the site admin');
  check((await page.getByRole('button', { name: 'New organisation' }).count()) === 0, 'no organisation button');
  await node('Acme Steel').waitFor();

  step('the site admin creates a plant user');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('button', { name: 'New user' }).click();
  await form.getByLabel('Email').fill('lee.chen@acme.example');
  await form.getByLabel('Where').selectOption({ label: 'Acme Steel › North Works › Press Shop' });
  await form.getByLabel('Role').selectOption('member');
  await form.getByLabel('Password', { exact: true }).fill('press shop line two');
  await form.getByRole('button', { name: 'Create user' }).click();
  await page.locator('#user-created').waitFor();
  await signOut();

  step('every step is in the audit trail');
  check(!new URL(page.url()).hash, `the next person starts on the start page, not ${page.url()}`);
  await signIn(adminEmail, adminPassword);
  await page.getByRole('link', { name: 'Audit' }).click();
  const table = page.locator('#audit-table');
  await table.locator('tbody tr').first().waitFor();
  const text = await table.textContent();
  for (const action of ['Organisation created', 'Site created', 'Plant created', 'User created', 'Password changed', 'Session created']) {
    check(text.includes(action), `audit shows ${action}`);
  }
  check(text.includes('maria.silva@acme.example'), 'the site admin appears as an actor');
  const creates = await table.locator('tbody tr', { hasText: 'User created' }).count();
  check(creates === 2, `two user.create events, not ${creates} (the double click made one)`);
  await auditViewChecks(table);

  step('the users table pages through many users');
  await page.evaluate(async () => {
    const { session } = await (await fetch('/api/v1/ui')).json();
    const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken };
    for (let i = 0; i < 55; i += 1) {
      const email = `crew${String(i).padStart(2, '0')}@acme.example`;
      // crew00 gets a temporary password: they must change it.
      const password = i === 0 ? undefined : 'crew member pass phrase';
      await fetch('/api/v1/users', { method: 'POST', headers, body: JSON.stringify({ email, password }) });
    }
  });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByText('Users 1–50').waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Users 51–58').waitFor();
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.getByText('Users 1–50').waitFor();
  await usersTableChecks();
  await page.getByLabel('Search').fill('crew5');
  await page.getByText('Users 1–5 of 5', { exact: true }).waitFor();

  step('export the current filter as CSV');
  const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  check(href.includes('/api/v1/users/export.csv') && href.includes('q=crew5'), `the export follows the filter: ${href}`);
  const csv = await page.evaluate(async (link) => (await fetch(link)).text(), href);
  check(
    csv.startsWith('"id","email",') && csv.includes('crew50@acme.example') && !csv.includes('crew49@'),
    'the CSV holds the filtered users',
  );

  await bulkChecks();
  await importChecks();
  await signedInChecks();
  await apiReferenceChecks();

  step('edit a user: profile, modules, roles, unlock, disable and enable, reset, delete');
  const basic = Buffer.from('lee.chen@acme.example:a wrong guess, again').toString('base64');
  for (let i = 0; i < 5; i += 1) {
    await fetch(new URL('/api/v1/users/me', url), { headers: { Authorization: `Basic ${basic}` } });
  }
  // Many places (twelve more plants): the place picker gets a box to find one by name.
  const north = await siteId('North Works');
  let made = 0;
  for (let i = 1; i <= 12; i += 1) {
    if ((await postAsThePage('/api/v1/plants', { siteId: north, name: `Line ${i}` })) === 201) made += 1;
  }
  check(made === 12, `twelve plants were added: ${made}`);
  await page.getByLabel('Search').fill('lee.chen');
  await page.getByRole('link', { name: 'lee.chen@acme.example' }).click();
  await page.getByText('locked until').waitFor();
  const edit = page.locator('#user-form');
  // A refused field: the message is at the control, in the label's words, and the control marked.
  const beforeRefusal = problems.length;
  await edit.getByLabel('Mobile number').fill('call me');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  const fieldError = edit.locator('.field-error');
  await fieldError.waitFor();
  // Chromium logs the refused request itself ("... status of 400"): expected here.
  problems.push(...problems.splice(beforeRefusal).filter((p) => !/status of 400/.test(p)));
  const said = await fieldError.textContent();
  check(said.startsWith('Mobile number:') && !said.includes('mobileNumber'), `the error speaks words: ${said}`);
  check((await edit.getByLabel('Mobile number').getAttribute('aria-invalid')) === 'true', 'the field at fault is marked');
  check((await fieldError.getAttribute('role')) === 'alert', 'the error is announced');
  check(
    await edit.getByLabel('Mobile number').evaluate((control) => control === document.activeElement),
    'the field at fault has the focus',
  );
  await edit.getByLabel('Mobile number').fill('');
  // Leaving with unsaved changes asks first; staying keeps them.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await confirmWith('Cancel', ['not saved']);
  check(page.url().includes('#/users/'), `still on the user's page: ${page.url()}`);
  await edit.getByLabel('First name').fill('Lee');
  await edit.getByLabel('Last name').fill('Chen');
  await edit.getByLabel('Energy Monitoring').check();
  const patched = page.waitForResponse((response) => response.request().method() === 'PATCH');
  await edit.getByRole('button', { name: 'Save changes' }).click();
  check((await patched).status() === 200, 'the change was accepted');
  const saved = await page.evaluate(async () => {
    const found = await (await fetch('/api/v1/users?q=lee.chen')).json();
    return found.items[0];
  });
  check(saved.firstName === 'Lee' && saved.lastName === 'Chen', `the profile was saved: ${saved.firstName} ${saved.lastName}`);
  check(saved.modules.includes('Energy Monitoring'), 'the module was saved');
  const addRole = page.getByRole('form', { name: 'Add a role' });
  await addRole.getByLabel('Find a place').fill('north line 1');
  const shown = await addRole
    .getByLabel('Where')
    .evaluate((select) => [...select.options].filter((o) => o.value && !o.hidden).map((o) => o.textContent));
  const wanted = ['Line 1', 'Line 10', 'Line 11', 'Line 12'].map((name) => `Acme Steel › North Works › ${name}`);
  check(JSON.stringify(shown) === JSON.stringify(wanted), `finding "north line 1" shows ${JSON.stringify(shown)}`);
  await addRole.getByLabel('Find a place').fill('');
  await addRole.getByLabel('Where').selectOption({ label: 'Acme Steel › North Works (whole site)' });
  await addRole.getByLabel('Role').selectOption('supervisor');
  await addRole.getByRole('button', { name: 'Add role' }).click();
  const added = page.locator('.membership-list li', { hasText: 'supervisor · North Works (site)' });
  await added.waitFor();
  await added.getByRole('button', { name: 'Remove' }).click();
  await confirmWith('Remove role', ['lee.chen@acme.example', 'supervisor']);
  await added.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('button', { name: 'Unlock' }).waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'Disable' }).click();
  await confirmWith('Disable', ['lee.chen@acme.example', 'sessions and tokens end']);
  await page.getByText('Status: disabled').waitFor();
  await page.getByRole('button', { name: 'Enable' }).click();
  await page.getByText('Status: active').waitFor();
  await page.getByRole('button', { name: 'Reset password' }).click();
  // Cancelling changes nothing; confirming shows the temporary password.
  await page.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click();
  check((await page.locator('code[data-secret]').count()) === 0, 'a cancelled reset resets nothing');
  await page.getByRole('button', { name: 'Reset password' }).click();
  await confirmWith('Reset password', ['lee.chen@acme.example', 'password stops working']);
  await page.locator('code[data-secret]').waitFor();
  await page.getByRole('button', { name: 'Delete user' }).click();
  const confirmation = page.locator('dialog[open]');
  check((await confirmation.textContent()).includes('lee.chen@acme.example'), 'the confirmation names the user');
  await confirmation.getByRole('button', { name: 'Delete' }).click();
  await page.getByText('Users 1–50').waitFor();
  check((await page.getByText('lee.chen@acme.example').count()) === 0, 'the user is gone');

  step('rename and delete a site');
  await page.getByRole('link', { name: 'Structure' }).click();
  await nameDialog(node('South Works').getByRole('button', { name: 'Rename' }), 'South Yard');
  await node('South Yard').waitFor();
  await node('South Yard').getByRole('button', { name: 'Delete' }).click();
  await page.locator('dialog[open]').getByRole('button', { name: 'Delete' }).click();
  await node('South Yard').waitFor({ state: 'detached' });

  step('the tree counts the users at each place, links to them, and sets each level apart');
  const northCount = node('North Works').locator('a.count');
  await northCount.filter({ hasText: /^\d+ users?$/ }).waitFor();
  const looks = await page.evaluate(() =>
    ['organisation', 'site', 'plant'].map((level) => {
      const style = getComputedStyle(document.querySelector(`.node.level-${level}`));
      return `${style.backgroundColor}|${style.borderLeftStyle}|${style.borderLeftColor}`;
    }),
  );
  check(new Set(looks).size === 3, `each level looks its own: ${looks.join(' / ')}`);
  await screen('structure');

  step('provisioning: the organisation shows its SCIM address, makes a key shown once, and its last change');
  await node('Acme Steel').getByRole('button', { name: 'Provisioning' }).click();
  const provisioning = page.locator('dialog[open]');
  const scimUrl = (await provisioning.locator('code.scim-url').textContent()).trim();
  check(scimUrl.endsWith('/scim/v2'), `the SCIM address is shown: ${scimUrl}`);
  await provisioning.getByText('No provisioning yet').waitFor();
  await provisioning.getByRole('button', { name: 'Create provisioning key' }).click();
  const provisioningKey = (await provisioning.locator('code[data-secret]').textContent()).trim();
  // The directory's first change, made with the key as Entra ID sends it.
  const provisioned = await page.evaluate(
    async ([address, key]) => {
      const body = JSON.stringify({ userName: 'directory.person@acme.example', active: true });
      const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/scim+json' };
      return (await fetch(`${address}/Users`, { method: 'POST', headers, body })).status;
    },
    [new URL(scimUrl).pathname, provisioningKey],
  );
  check(provisioned === 201, `the provisioning key provisions: ${provisioned}`);
  await provisioning.getByRole('button', { name: 'Close' }).click();
  await node('Acme Steel').getByRole('button', { name: 'Provisioning' }).click();
  await page.locator('dialog[open]').getByText('Last change: user.create').waitFor();
  check((await page.locator('dialog[open] code[data-secret]').count()) === 0, 'the key is not shown again');
  await page.locator('dialog[open]').getByRole('button', { name: 'Close' }).click();

  step('a refused delete says what is in the way, with a link to it');
  // The browser logs the refused request as a console error; that one is expected.
  const logged = problems.length;
  await node('North Works').getByRole('button', { name: 'Delete' }).first().click();
  await confirmWith('Delete', ['North Works']);
  const refusal = page.locator('p.error[role="alert"]');
  await refusal.getByText(/still has/).waitFor();
  problems.splice(logged);
  await refusal.getByRole('link', { name: 'See the site’s users' }).click();
  await page.getByText(/^Users 1–\d+ of \d+$/).waitFor();
  check((await page.getByLabel('Site', { exact: true }).inputValue()) !== '', 'the users table is filtered to the site');
  const listed = await page.locator('#users-table tbody tr').allTextContents();
  check(
    listed.some((r) => r.includes('maria.silva@acme.example')),
    `the site's admin is listed: ${listed.length} rows`,
  );
  check(!listed.some((r) => r.includes('root@plant.example')), 'and nobody outside the site');

  step('my account: an API key shown once and revoked, and a password change');
  await page.getByRole('link', { name: 'My account' }).click();
  await page.getByLabel('Key name').fill('historian export');
  await page.getByRole('button', { name: 'Create key' }).click();
  const keySecret = (await page.locator('code[data-secret]').textContent()).trim();
  check(keySecret.startsWith('ghk_'), 'the key is shown');
  const keyRow = page.locator('tr', { hasText: 'historian export' });
  // The key id is the client_id a service signs in with.
  const clientId = (await keyRow.locator('code.key-id').textContent()).trim();
  const signedIn = await page.evaluate(
    async ([id, secret]) => {
      const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret });
      return (await fetch('/oauth/token', { method: 'POST', body })).status;
    },
    [clientId, keySecret],
  );
  check(signedIn === 200, `the shown key id signs in as client_id: ${signedIn}`);
  await keyRow.getByRole('button', { name: 'Revoke' }).click();
  await page.locator('dialog[open]').getByRole('button', { name: 'Revoke' }).click();
  // The provisioning key made on the structure page stays: it is an API key of the admin's too.
  await keyRow.waitFor({ state: 'detached' });
  check(
    (await page.locator('tr', { hasText: 'Provisioning for Acme Steel' }).count()) === 1,
    "the provisioning key is listed among the admin's keys",
  );
  await page.getByLabel('Current password').fill(adminPassword);
  await page.getByLabel('New password', { exact: true }).fill('a brand new admin phrase');
  await page.getByLabel('New password again').fill('a brand new admin phrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password was changed').waitFor();

  step('apps: register one, allow it at the consent screen, and revoke that under My account');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Apps' }).click();
  await page.getByRole('heading', { name: 'Applications' }).waitFor();
  await page.getByLabel('Name').fill('Historian');
  // The app's redirect URI is this page itself: the browser lands back here with the code.
  await page.getByLabel('Redirect URIs, one a line').fill(`${url}?from=historian`);
  await page.getByLabel('Public client').check();
  await page.getByRole('button', { name: 'Register' }).click();
  const appRow = page.locator('table[aria-label="Applications"] tr', { hasText: 'Historian' });
  const appId = (await appRow.locator('code.key-id').textContent()).trim();
  const verifier = randomBytes(32).toString('base64url');
  const asked = new URLSearchParams({
    response_type: 'code',
    client_id: appId,
    redirect_uri: `${url}?from=historian`,
    scope: 'openid email',
    state: 'from-the-test',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  await page.goto(`${url}oauth/authorize?${asked}`);
  check((await page.textContent('main')).includes('Historian'), 'the consent screen names the app');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((u) => u.searchParams.get('from') === 'historian' && u.searchParams.has('code'));
  await page.goto(`${url}#/account`);
  const consentRow = page.locator('table[aria-label="Applications you allowed"] tr', { hasText: 'Historian' });
  await consentRow.getByRole('button', { name: 'Revoke' }).click();
  await confirmWith('Revoke', ['Historian']);
  await page.getByText('You have not allowed any application.').waitFor();

  step('at tablet width, the top menu is one row and My account fits');
  await page.setViewportSize({ width: 768, height: 1024 });
  const menuRows = await page.evaluate(() => {
    // One row: every item's vertical middle within a few pixels of the first one's.
    const middles = [...document.querySelectorAll('header.top > *, header.top nav a')].map((el) => {
      const box = el.getBoundingClientRect();
      return (box.top + box.bottom) / 2;
    });
    return middles.filter((m) => Math.abs(m - middles[0]) > 6).length + 1;
  });
  check(menuRows === 1, `the top menu is on one row at 768 px: ${menuRows} rows`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `My account does not scroll sideways at 768 px: ${overflow} px too wide`);
  await page.setViewportSize({ width: 1280, height: 800 });
  await screen('account');

  step('the start page draws sign-ins, lockouts, failing addresses and users by site');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  const charts = page.locator('svg.chart[role="img"]');
  await charts.nth(2).waitFor();
  const described = await charts.evaluateAll((all) =>
    all.map((c) => `${c.querySelector('title').textContent}: ${c.querySelector('desc').textContent}`),
  );
  check(
    described.some((d) => /^Sign-ins and failed sign-ins per hour/.test(d) && /\d+ failed sign-ins/.test(d)),
    `the hours chart: ${described}`,
  );
  check(
    described.some((d) => d.startsWith('Failed sign-ins by address') && d.includes('127.0.0.1')),
    `the addresses chart: ${described}`,
  );
  check(
    described.some((d) => d.startsWith('Users by site') && d.includes('North Works')),
    `the sites chart: ${described}`,
  );
  check(Number(await page.locator('#lockouts').textContent()) >= 1, 'the lockout of lee.chen is counted');
  await screen('start');

  await themeAndShortcutChecks();

  step("support staff see a read-only account, without the admins' message");
  const support = await postAsThePage('/api/v1/users', {
    email: 'sam.support@acme.example',
    password: 'support desk day shift',
    memberships: [{ siteId: await siteId('North Works'), role: 'support' }],
  });
  check(support === 201, `a support user was created: ${support}`);
  await signOut();
  await signIn('sam.support@acme.example', 'support desk day shift');
  // Support staff start on the overview too: users by site, without the audit's pictures.
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  await page.locator('svg.chart').first().waitFor();
  check((await page.locator('#lockouts').count()) === 0, 'no audit pictures for support staff');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByLabel('Search').fill('maria.silva');
  await page.getByRole('link', { name: 'maria.silva@acme.example' }).click();
  await page.locator('#user-read-only').waitFor();
  const shownTime = await page.getByText('last sign-in').textContent();
  check(/(UTC|GMT)/.test(shownTime), `a time names its time zone: ${shownTime}`);
  const controls = await page.locator('main').locator('input, select, textarea, button').count();
  check(controls === 0, `the read-only view has no controls: ${controls}`);
  check((await page.getByText('you do not administer').count()) === 0, 'no message meant for admins');
  await screen('user-read-only');

  // Before the session ends below: that step lets the main page's late 401s through only
  // while it looks at them.
  if (process.env.REPLICA_URL) await replicaChecks();

  step('when the session ends, the sign-in form comes back');
  const before = problems.length;
  await context.clearCookies();
  // A request still in flight may find the session gone first; otherwise the next click does.
  const usersLink = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' });
  await usersLink.click({ timeout: 3000 }).catch(() => {});
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const note = await page.getByRole('status').first().textContent();
  check(note.includes('session has ended'), `the sign-in form says why: ${note}`);
  // Chromium itself logs the refused request ("Failed to load resource ... 401"): expected here,
  // and its lines may come a moment after the form.
  await page.waitForTimeout(500);
  const unexpected = problems.splice(before).filter((p) => !/status of 401/.test(p));
  problems.push(...unexpected);

  check(problems.length === 0, `console errors:\n${problems.join('\n')}`);
  console.log('admin page: all steps passed');
} catch (error) {
  await page.screenshot({ path: join(screenshots, 'failure.png'), fullPage: true }).catch(() => {});
  console.error(`admin page: ${error.message}`);
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}
