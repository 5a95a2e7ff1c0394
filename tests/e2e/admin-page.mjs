// Drives the Gatehouse admin page in Debian's headless Chromium, as the plant's IT person would.
// Started by tests/e2e.rs with GATEHOUSE_URL, ADMIN_EMAIL, ADMIN_PASSWORD and SCREENSHOTS set.
// Exits non-zero on the first failed step or on any console error.

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const url = process.env.GATEHOUSE_URL;
const adminEmail = process.env.ADMIN_EMAIL;
const adminPassword = process.env.ADMIN_PASSWORD;
const screenshots = process.env.SCREENSHOTS || 'screenshots';
mkdirSync(screenshots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
page.setDefaultTimeout(15000);
const problems = [];
page.on('console', (message) => {
  if (message.type() === 'error') problems.push(`console: ${message.text()}`);
});
page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));

function step(name) {
  console.log(`- ${name}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

/** Every input, select and button on the page has a name a screen reader can announce. */
async function checkLabels(where) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((el) => el.type !== 'hidden')
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.textContent || '').trim())
    .map((el) => el.outerHTML.slice(0, 80)));
  check(unlabelled.length === 0, `controls without a label on ${where}: ${unlabelled.join(', ')}`);
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

const node = (name) => page.locator('.node', { has: page.locator('.name', { hasText: new RegExp(`^${name}$`) }) });

try {
  step('the sign-in form shows the system-use banner');
  await page.goto(url);
  const banner = await page.locator('#system-use-banner').textContent();
  check(banner.includes('Authorised use only'), `banner: ${banner}`);

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
  await nameDialog(node('Acme Steel').getByRole('button', { name: 'Add site' }), 'North Works');
  await nameDialog(node('Acme Steel').getByRole('button', { name: 'Add site' }), 'South Works');
  await nameDialog(node('North Works').getByRole('button', { name: 'Add plant' }), 'Press Shop');
  await node('Press Shop').waitFor();

  step('create a site admin with a temporary password');
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'New user' }).click();
  const form = page.locator('#user-form');
  await form.getByLabel('Email').fill('maria.silva@acme.example');
  await form.getByLabel('First name').fill('Maria');
  await form.getByLabel('Last name').fill('Silva');
  await form.getByLabel('Where').selectOption({ label: 'Acme Steel › North Works (site)' });
  await form.getByLabel('Role').selectOption('admin');
  await form.getByLabel('Alerting').check();
    await checkLabels('the user form');
  await page.screenshot({ path: join(screenshots, 'user-form.png'), fullPage: true });
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
  await page.screenshot({ path: join(screenshots, 'users-table.png'), fullPage: true });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: join(screenshots, 'users-table-tablet.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  step('sign in as the site admin and change the temporary password');
  await signOut();
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
  check(await node('South Works').count() === 0, 'South Works is hidden from the site admin');
  check(await page.getByRole('button', { name: 'New organisation' }).count() === 0, 'no organisation button');
  await node('Acme Steel').waitFor();

  step('the site admin creates a plant user');
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'New user' }).click();
  await form.getByLabel('Email').fill('lee.chen@acme.example');
  await form.getByLabel('Where').selectOption({ label: 'Acme Steel › North Works › Press Shop (plant)' });
  await form.getByLabel('Role').selectOption('member');
  await form.getByLabel('Password').fill('press shop line two');
  await form.getByRole('button', { name: 'Create user' }).click();
  await page.locator('#user-created').waitFor();
  await signOut();

  step('every step is in the audit trail');
  await signIn(adminEmail, adminPassword);
  await page.getByRole('link', { name: 'Audit' }).click();
  const table = page.locator('#audit-table');
  await table.locator('tbody tr').first().waitFor();
  const text = await table.textContent();
  for (const action of ['organisation.create', 'site.create', 'plant.create', 'user.create', 'password.change', 'session.create']) {
    check(text.includes(action), `audit shows ${action}`);
  }
  check(text.includes('maria.silva@acme.example'), 'the site admin appears as an actor');
  const creates = await table.locator('tbody tr', { hasText: 'user.create' }).count();
  check(creates === 2, `two user.create events, not ${creates} (the double click made one)`);
    await page.screenshot({ path: join(screenshots, 'audit.png'), fullPage: true });

  step('the users table pages through many users');
  await page.evaluate(async () => {
    const { session } = await (await fetch('/api/v1/ui')).json();
    const headers = { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken };
    for (let i = 0; i < 55; i += 1) {
      const email = `crew${String(i).padStart(2, '0')}@acme.example`;
      await fetch('/api/v1/users', { method: 'POST', headers, body: JSON.stringify({ email, password: 'crew member pass phrase' }) });
    }
  });
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByText('Users 1–50').waitFor();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Users 51–58').waitFor();
  await page.getByRole('button', { name: 'Previous' }).click();
  await page.getByText('Users 1–50').waitFor();
  await page.getByLabel('Search').fill('crew5');
  await page.getByText('Users 1–5').waitFor();

  step('when the session ends, the sign-in form comes back');
  const before = problems.length;
  await context.clearCookies();
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const note = await page.getByRole('status').first().textContent();
  check(note.includes('session has ended'), `the sign-in form says why: ${note}`);
  // Chromium itself logs the refused request ("Failed to load resource ... 401"): expected here.
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
