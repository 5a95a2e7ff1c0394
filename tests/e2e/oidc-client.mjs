// An application signing a person in with Gatehouse, written with libraries by others:
// openid-client does discovery, the authorization request with PKCE, the code exchange with
// its ID token checks, userinfo, refresh and logout; Debian's headless Chromium (playwright-core)
// is the person's browser on Gatehouse's own sign-in and consent pages; jose verifies the ID
// token with the JWKS, and a JWT access token with the exported JWKS alone (no call to
// Gatehouse). Started by tests/api/oidc_e2e.rs with GATEHOUSE_URL, ADMIN_EMAIL,
// ADMIN_PASSWORD, JWKS_FILE and CHROMIUM set. Exits non-zero on the first failed step.

import * as client from 'openid-client';
import * as jose from 'jose';
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';

const issuer = process.env.GATEHOUSE_URL.replace(/\/$/, '');
const adminEmail = process.env.ADMIN_EMAIL;
const adminPassword = process.env.ADMIN_PASSWORD;

// The application's own pages, on a port of their own: the test reads where the browser landed.
let landed = null;
const application = createServer((req, res) => {
  if (req.url !== '/favicon.ico') landed = `http://127.0.0.1:${application.address().port}${req.url}`;
  res.writeHead(200, { 'content-type': 'text/plain' }).end('the application');
});
await new Promise((resolve) => application.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${application.address().port}`;
const redirectUri = `${base}/callback`;
const afterLogout = `${base}/signed-out`;

function step(name) {
  console.log(`- ${name}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const basic = `Basic ${Buffer.from(`${adminEmail}:${adminPassword}`).toString('base64')}`;

step('an admin registers the application');
const registered = await fetch(`${issuer}/api/v1/oidc-clients`, {
  method: 'POST',
  headers: { authorization: basic, 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'Historian', redirectUris: [redirectUri], postLogoutRedirectUris: [afterLogout] }),
});
check(registered.status === 201, `registration: ${registered.status} ${await registered.clone().text()}`);
const { clientId, clientSecret } = await registered.json();

step('discovery');
const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined, {
  execute: [client.allowInsecureRequests],
});
check(config.serverMetadata().issuer === issuer, `issuer ${config.serverMetadata().issuer}`);

const verifier = client.randomPKCECodeVerifier();
const state = client.randomState();
const nonce = client.randomNonce();
const authorizationUrl = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: 'openid profile email gatehouse',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
  nonce,
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(15000);

  step('the browser goes to the authorization endpoint and is sent to sign in');
  await page.goto(authorizationUrl.href);
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password', { exact: true }).fill(adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();

  step('the consent screen names the application; the person allows it');
  await page.getByRole('heading', { name: 'Allow this application?' }).waitFor();
  check((await page.textContent('main')).includes('Historian'), 'the consent screen names the application');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((u) => u.href.startsWith(redirectUri));
  check(landed && landed.startsWith(redirectUri), `back at the application: ${landed}`);

  step('the code exchange, with the ID token checked by openid-client');
  const tokens = await client.authorizationCodeGrant(config, new URL(landed), {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  check(claims.email === adminEmail, `email ${claims.email}`);
  check(claims.nonce === nonce, 'the nonce came back');

  step('the ID token verifies with the JWKS');
  const remote = jose.createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri));
  const verified = await jose.jwtVerify(tokens.id_token, remote, { issuer, audience: clientId });
  check(verified.payload.sub === claims.sub, 'the same person');

  step('userinfo');
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  check(info.email === adminEmail, `userinfo ${JSON.stringify(info)}`);

  step('the JWT access token verifies offline with the exported JWKS');
  const exported = jose.createLocalJWKSet(JSON.parse(readFileSync(process.env.JWKS_FILE, 'utf8')));
  const access = await jose.jwtVerify(tokens.access_token, exported, { issuer, typ: 'at+jwt' });
  check(access.payload.client_id === clientId && access.payload.sub === claims.sub, `access token ${JSON.stringify(access.payload)}`);
  // For the README's Python verifier, which the Rust test runs next.
  if (process.env.ACCESS_TOKEN_FILE) writeFileSync(process.env.ACCESS_TOKEN_FILE, tokens.access_token);

  step('refresh');
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  check(refreshed.access_token && refreshed.access_token !== tokens.access_token, 'a new access token');

  step('logout ends the Gatehouse session and returns to the application');
  landed = null;
  const logoutUrl = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: afterLogout,
    state: 'bye',
  });
  await page.goto(logoutUrl.href);
  check(landed === `${afterLogout}?state=bye`, `after logout: ${landed}`);
  await page.goto(`${issuer}/`);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const silent = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    prompt: 'none',
    state,
  });
  landed = null;
  await page.goto(silent.href);
  check(landed && new URL(landed).searchParams.get('error') === 'login_required', `prompt=none after logout: ${landed}`);
} finally {
  await browser.close();
  application.close();
}
console.log('all steps passed');
