// Hardening through the UI: throttled sign-in, sign-out everywhere across two browsers, password
// change, an admin granting PM, and a signed-out token that is dead on the server too.
import { ADMIN, PASSWORD, createUser, expect, mailsTo, open, signIn, test, unique } from './helpers';

const KEY = 'rust-auth.session';

test('a concurrent burst of wrong passwords is throttled with a clear message', async ({ page, request }) => {
  const name = unique('throttled');
  await createUser(request, name);
  // Twelve guesses at once: only five are checked, the rest are refused before any bcrypt work.
  const burst = await Promise.all(
    Array.from({ length: 12 }, () =>
      request.post('/api/auth/signin', { data: { username: name, password: 'nope-nope-nope' } }),
    ),
  );
  const statuses = burst.map((response) => response.status()).sort();
  expect(statuses.filter((status) => status === 401)).toHaveLength(5);
  expect(statuses.filter((status) => status === 429)).toHaveLength(7);
  await open(page, '/signin');
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Too many' })).toHaveText(
    /Too many failed sign-in attempts\. Try again in 1[45] minutes\./,
  );
  await expect(page.getByTestId('nav-username')).toHaveCount(0);
});

test('sign out everywhere ends the session in another browser', async ({ browser, request }) => {
  const name = unique('everywhere');
  await createUser(request, name);
  const laptop = await browser.newContext();
  const phone = await browser.newContext();
  const [a, b] = [await laptop.newPage(), await phone.newPage()];
  await signIn(a, name);
  await signIn(b, name);
  await open(b, '/account/devices');
  await b.getByRole('button', { name: 'Sign out everywhere', exact: true }).click();
  await expect(b.getByRole('status')).toContainText('signed out on every device');
  await expect(b.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();

  await open(a, '/user');
  await expect(a.getByRole('alert').filter({ hasText: 'session' })).toContainText(
    'Your session has ended. Sign in again.',
  );
  await expect(a.getByTestId('board-description')).toHaveCount(0);
  await laptop.close();
  await phone.close();
});

test('signing out kills the token on the server, not only in this browser', async ({ page, request }) => {
  const name = unique('signout');
  await createUser(request, name);
  await signIn(page, name);
  const token = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)!).accessToken, KEY);
  expect((await request.get('/api/test/user', { headers: { authorization: `Bearer ${token}` } })).status()).toBe(200);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  expect((await request.get('/api/test/user', { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
});

test('changing the password keeps this session and ends the others', async ({ browser, page, request }) => {
  const name = unique('changer');
  await createUser(request, name);
  const other = await (await browser.newContext()).newPage();
  await signIn(other, name);
  await signIn(page, name);
  await open(page, '/account/security');

  await page.getByLabel('Current password').fill('not-the-password');
  await page.getByLabel('New password', { exact: true }).fill('a-fresh-passphrase-9');
  await page.getByLabel('Confirm new password').fill('a-fresh-passphrase-8');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.locator('#field-confirm-password-message')).toHaveText('The two new passwords differ.');
  await page.getByLabel('Confirm new password').fill('a-fresh-passphrase-9');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.locator('#field-current-password-message')).toHaveText('The current password is not right.');

  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByRole('status')).toContainText('Password changed');
  await open(page, '/user');
  await expect(page.getByTestId('board-description')).toHaveText('User Content Page');

  await open(other, '/user');
  await expect(other.getByRole('alert').filter({ hasText: 'session' })).toContainText('Your session has ended');
  await signIn(other, name, 'a-fresh-passphrase-9');
  // The owner is told, with when and from where.
  const mails = await mailsTo(request, `${name}@example.com`, 2);
  const notice = mails.find((mail) => mail.subject === 'Your Rust Auth password was changed');
  expect(notice, mails.map((mail) => mail.subject).join(', ')).toBeTruthy();
  expect(notice!.text).toContain('Every other device was signed out.');
  expect(notice!.text).toContain('When:');
});

test('an admin grants PM and the user then sees the Management board', async ({ browser, page, request }) => {
  const name = unique('promoted');
  await createUser(request, name);
  const user = await (await browser.newContext()).newPage();
  await signIn(user, name);
  await open(user, '/pm');
  await expect(user.getByTestId('refusal')).toHaveText('Require PM or Admin Roles!');

  await signIn(page, ADMIN.username, ADMIN.password);
  await open(page, '/admin');
  await page.getByLabel('Search by username or email').fill(name);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const row = page.locator(`tr[data-username="${name}"]`);
  await expect(row.getByTestId('roles')).toHaveText('User');
  await row.getByRole('button', { name: `Grant PM to ${name}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Granted' })).toHaveText(`Granted PM to ${name}.`);
  await expect(row.getByTestId('roles')).toHaveText('User, PM');
  await expect(page.getByRole('table').last()).toContainText('Role granted');

  await open(user, '/pm');
  await expect(user.getByTestId('board-description')).toHaveText('Management Board');
  // The navigation follows the new role after the session is re-checked.
  await expect(user.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Management board' })).toBeVisible();
});
