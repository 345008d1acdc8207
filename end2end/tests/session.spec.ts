// The session kept in localStorage: reload, sign out, expired or tampered tokens, protected pages.
import { createUser, expect, open, signIn, test, unique, PASSWORD } from './helpers';

const KEY = 'rust-auth.session';

test('a reload keeps you signed in, and Sign out ends it', async ({ page, request }) => {
  const name = unique('keeper');
  await createUser(request, name);
  await signIn(page, name);
  await page.reload();
  await page.locator('html[data-hydrated]').waitFor();
  await expect(page.getByTestId('nav-username')).toHaveText(name);
  // The old address of the account pages still leads there.
  await open(page, '/profile');
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByTestId('profile-username')).toHaveText(name);
  await expect(page.getByTestId('profile-email')).toHaveText(`${name}@example.com`);
  await expect(page.getByTestId('profile-roles')).toHaveText('User');
  // The sub-navigation leads to the other account pages.
  await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Devices' }).click();
  await expect(page).toHaveURL(/\/account\/devices$/);
  await expect(page.getByTestId('session-row')).toHaveCount(1);
  await expect(page.getByTestId('session-row')).toContainText('This device');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  expect(await page.evaluate((key) => localStorage.getItem(key), KEY)).toBeNull();
  await page.reload();
  await page.locator('html[data-hydrated]').waitFor();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByTestId('nav-username')).toHaveCount(0);
});

test('a tampered token in storage signs you out with a reason', async ({ page, request }) => {
  const name = unique('tamper');
  await createUser(request, name);
  await signIn(page, name);
  await page.evaluate((key) => {
    const session = JSON.parse(localStorage.getItem(key)!);
    const [header, payload, signature] = session.accessToken.split('.');
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')));
    claims.exp += 3600; // try to stay longer
    const forged = btoa(JSON.stringify(claims)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    session.accessToken = [header, forged, signature].join('.');
    localStorage.setItem(key, JSON.stringify(session));
  }, KEY);
  await open(page, '/user');
  await expect(page.getByRole('alert').filter({ hasText: 'session' })).toContainText(
    'Your session is not valid. Sign in again.',
  );
  await expect(page).toHaveURL(/\/signin\?next=\/user/);
  expect(await page.evaluate((key) => localStorage.getItem(key), KEY)).toBeNull();
  await expect(page.getByTestId('board-description')).toHaveCount(0);
});

test('an expired session whose refresh token is refused signs you out with a reason', async ({ page, request }) => {
  const name = unique('expired');
  await createUser(request, name);
  await signIn(page, name);
  // The access token ran out while the page was closed, and the refresh token is not one of ours.
  await page.evaluate((key) => {
    const session = JSON.parse(localStorage.getItem(key)!);
    session.receivedAt = Math.floor(Date.now() / 1000) - 3600;
    session.refreshToken = '0'.repeat(64);
    localStorage.setItem(key, JSON.stringify(session));
  }, KEY);
  await open(page, '/account');
  await expect(page.getByRole('alert').filter({ hasText: 'session' })).toContainText(
    'Your session has ended. Sign in again.',
  );
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('garbage in storage is cleared without breaking the page', async ({ page }) => {
  await open(page, '/');
  await page.evaluate((key) => localStorage.setItem(key, '{not json'), KEY);
  await open(page, '/');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  expect(await page.evaluate((key) => localStorage.getItem(key), KEY)).toBeNull();
});

test('a protected page sends you to Sign in and back afterwards', async ({ page, request }) => {
  const name = unique('returner');
  await createUser(request, name);
  await open(page, '/account/security');
  await expect(page).toHaveURL(/\/signin\?next=\/account\/security$/);
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(/\/account\/security$/);
  await expect(page.getByRole('heading', { name: 'Change password' })).toBeVisible();
});

test('a half-typed form survives the renewal of the session', async ({ page, request }) => {
  // Access tokens live 20 s in the suite: the app renews them by itself within that time. A renewal
  // (or the check of a restored session) replaces the session in the page; the page must stay as
  // it is.
  const name = unique('typist');
  await createUser(request, name);
  await signIn(page, name);
  await open(page, '/account/security');
  const field = page.getByLabel('New password', { exact: true });
  await field.fill('half-typed-password');
  const renewed = page.waitForResponse((response) => response.url().endsWith('/api/fn/refresh') && response.ok(), {
    timeout: 25_000,
  });
  await renewed;
  // The renewal's answer is applied in the same task; one more round trip of the page settles it.
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
  await expect(field).toHaveValue('half-typed-password');
});
