// Mailed links through the UI, read from MailDev: forgotten password, email verification, resend,
// change of address, and deleting the account.
import { PASSWORD, createUser, expect, linkIn, mailsTo, open, signIn, test, unique } from './helpers';

test('forgot password: mail, new password, old one refused, other sessions ended', async ({ browser, page, request }) => {
  const name = unique('forgetful');
  await createUser(request, name);
  const other = await (await browser.newContext()).newPage();
  await signIn(other, name);

  await open(page, '/signin');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await page.getByLabel('Email').fill(`${name}@example.com`);
  await page.getByRole('button', { name: 'Send me a link' }).click();
  await expect(page.getByTestId('reset-sent')).toContainText('If an account uses that address');

  const [mail] = (await mailsTo(request, `${name}@example.com`, 2)).filter((m) => m.subject.includes('Reset'));
  await open(page, linkIn(mail, '/reset-password'));
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByLabel('Confirm new password').fill('short');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.locator('#field-new-password-message')).toContainText('at least 8 characters');
  await page.getByLabel('New password', { exact: true }).fill('a-fresh-start-2026');
  await page.getByLabel('Confirm new password').fill('a-fresh-start-2026');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByRole('status')).toContainText('Your password is changed');

  // The old password is refused, the new one works, and the other browser was signed out.
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong username or password' })).toBeVisible();
  await signIn(page, name, 'a-fresh-start-2026');
  await open(other, '/user');
  await expect(other.getByRole('alert').filter({ hasText: 'session' })).toContainText('Your session has ended');

  // The link worked once.
  await open(page, linkIn(mail, '/reset-password'));
  await page.getByLabel('New password', { exact: true }).fill('yet-another-one-2026');
  await page.getByLabel('Confirm new password').fill('yet-another-one-2026');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'not valid any more' })).toBeVisible();
});

test('the sign-up mail verifies the address, and Account shows it', async ({ page, request }) => {
  const name = unique('verifier');
  await open(page, '/signup');
  await page.getByLabel('Name', { exact: true }).fill('Vera Fier');
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Email', { exact: true }).fill(`${name}@example.com`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/signin\?username=/);
  await signIn(page, name);
  await open(page, '/account');
  await expect(page.getByTestId('email-state')).toHaveText('Not verified yet');

  const [mail] = await mailsTo(request, `${name}@example.com`);
  expect(mail.subject).toContain('Confirm your email address');
  await open(page, linkIn(mail, '/verify-email'));
  await expect(page.getByTestId('email-verified')).toContainText(`${name}@example.com is verified`);
  await open(page, '/account');
  await expect(page.getByTestId('email-state')).toHaveText('Verified');
});

test('Resend sends a new link; the old one no longer works', async ({ page, request }) => {
  const name = unique('resender');
  await createUser(request, name);
  await signIn(page, name);
  await open(page, '/account');
  await page.getByRole('button', { name: 'Resend the link' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'A new link is on its way' })).toBeVisible();
  const mails = await mailsTo(request, `${name}@example.com`, 2);
  await open(page, linkIn(mails[0], '/verify-email'));
  await expect(page.getByRole('alert').filter({ hasText: 'not valid any more' })).toBeVisible();
  await open(page, linkIn(mails[1], '/verify-email'));
  await expect(page.getByTestId('email-verified')).toBeVisible();
});

test('changing the email address: notice to the old one, link to the new one', async ({ page, request }) => {
  const name = unique('mover');
  await createUser(request, name);
  await signIn(page, name);
  await open(page, '/account');
  const newAddress = `${name}@moved.example`;
  await page.getByLabel('New email').fill(newAddress);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  await page.getByRole('button', { name: 'Change email' }).click();
  await expect(page.locator('#field-password-message')).toHaveText('The current password is not right.');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Change email' }).click();
  await expect(page.getByRole('status')).toContainText('Check your new address');

  const notices = await mailsTo(request, `${name}@example.com`, 2);
  expect(notices.some((mail) => mail.text.includes(newAddress))).toBe(true);
  const [link] = await mailsTo(request, newAddress);
  await open(page, linkIn(link, '/verify-email'));
  await expect(page.getByTestId('email-verified')).toContainText(newAddress);
  await open(page, '/account');
  await expect(page.getByTestId('profile-email')).toHaveText(newAddress);
  await expect(page.getByTestId('email-state')).toHaveText('Verified');
});

test('deleting the account signs out and the account is gone', async ({ page, request }) => {
  const name = unique('leaver');
  await createUser(request, name);
  await signIn(page, name);
  await open(page, '/account/danger');
  await page.getByLabel('Password to confirm').fill(PASSWORD);
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.getByRole('status')).toContainText('Your account is deleted');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
  const response = await request.post('/api/auth/signin', { data: { username: name, password: PASSWORD } });
  expect(response.status()).toBe(401);
});

test('the name can be edited on Account', async ({ page, request }) => {
  const name = unique('renamer');
  await createUser(request, name);
  await signIn(page, name);
  await open(page, '/account');
  await page.getByLabel('Name', { exact: true }).fill('A Brand New Name');
  await page.getByRole('button', { name: 'Save name' }).click();
  await expect(page.getByTestId('profile-name')).toHaveText('A Brand New Name');
});
