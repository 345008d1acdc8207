// A screenshot of each page in the README's table, at desktop and phone width, and of the dark
// scheme. Written to test-results/screenshots, or to SCREENSHOT_DIR (the README's pictures:
// SCREENSHOT_DIR=../docs/screenshots).
import path from 'node:path';
import {
  ADMIN,
  PASSWORD,
  confirmWithThenCreateOn,
  createUser,
  expect,
  linkIn,
  mailsTo,
  open,
  plugIn,
  signIn,
  test,
  totp,
  unique,
} from './helpers';

const dir = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

for (const size of SIZES) {
  test(`screenshots at ${size.name} width`, async ({ page, request }) => {
    test.setTimeout(90_000);
    await page.setViewportSize({ width: size.width, height: size.height });
    const shot = async (name: string) => {
      await page.screenshot({ path: path.join(dir, `${name}-${size.name}.png`), fullPage: true });
    };
    for (const [route, name] of [
      ['/', 'home'],
      ['/signup', 'signup'],
      ['/signin', 'signin'],
      ['/forgot-password', 'forgot-password'],
      ['/missing-page', 'not-found'],
    ]) {
      await open(page, route);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await shot(name);
    }
    // The mailed links' pages, opened from real mails.
    const name = unique('pat');
    await createUser(request, name);
    const [verification] = await mailsTo(request, `${name}@example.com`);
    await open(page, linkIn(verification, '/verify-email'));
    await expect(page.getByTestId('email-verified')).toBeVisible();
    await shot('verify-email');
    await request.post('/api/auth/password/forgot', { data: { email: `${name}@example.com` } });
    const mails = await mailsTo(request, `${name}@example.com`, 2);
    const reset = mails.find((mail) => mail.subject.includes('Reset'))!;
    await open(page, linkIn(reset, '/reset-password'));
    await expect(page.getByLabel('New password', { exact: true })).toBeVisible();
    await shot('reset-password');

    await signIn(page, name);
    for (const [route, shotName, ready] of [
      ['/account', 'account', 'profile-username'],
      ['/account/devices', 'devices', 'session-row'],
    ]) {
      await open(page, route);
      await expect(page.getByTestId(ready)).toBeVisible();
      await shot(shotName);
    }
    await open(page, '/account/danger');
    await expect(page.getByRole('button', { name: 'Delete my account' })).toBeVisible();
    await shot('danger-zone');
    // Security, with two-factor sign-in being set up (the QR code drawn by the server).
    await open(page, '/account/security');
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await expect(page.getByTestId('mfa-qr').locator('svg')).toBeVisible();
    await shot('security');
    const secret = (await page.getByTestId('mfa-secret').textContent())!.trim();
    await page.locator('#field-mfa-enable-password').fill(PASSWORD);
    await page.getByLabel('Code from the app').fill(totp(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    await expect(page.getByTestId('recovery-codes').locator('li')).toHaveCount(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await open(page, '/user');
    await expect(page.getByTestId('board-description')).toBeVisible();
    await shot('user-board');
    await open(page, '/admin');
    await expect(page.getByTestId('refusal')).toBeVisible();
    await shot('admin-refused');
    // The second step of a sign-in.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    await open(page, '/signin');
    await page.getByLabel('Username', { exact: true }).fill(name);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByLabel('Code')).toBeVisible();
    await shot('signin-second-factor');

    await open(page, '/');
    await signIn(page, ADMIN.username, ADMIN.password);
    for (const [route, shotName, testid] of [
      ['/pm', 'management-board', 'board-description'],
      ['/admin', 'admin-board', 'board-description'],
    ]) {
      await open(page, route);
      await expect(page.getByTestId(testid)).toBeVisible();
      await shot(shotName);
    }
  });
}

for (const size of SIZES) {
  test(`passkey screenshots at ${size.name} width`, async ({ page, request }) => {
    await page.setViewportSize({ width: size.width, height: size.height });
    const shot = async (name: string) => {
      await page.screenshot({ path: path.join(dir, `${name}-${size.name}.png`), fullPage: true });
    };
    const laptop = await plugIn(page);
    // Sign up with a passkey: the password field gives way.
    await open(page, '/signup');
    await page.getByLabel('Use a passkey instead of a password').check();
    await expect(page.getByLabel('Password', { exact: true })).toBeHidden();
    await shot('signup-passkey');
    // An account with passkeys only: Security offers to set a password, confirmed with the passkey.
    const pat = unique('pat');
    await page.getByLabel('Name', { exact: true }).fill('Pat Keys');
    await page.getByLabel('Username', { exact: true }).fill(pat);
    await page.getByLabel('Email', { exact: true }).fill(`${pat}@example.com`);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page.getByRole('heading', { name: 'Set a password' })).toBeVisible();
    await expect(page.getByTestId('passkey-row')).toHaveCount(1);
    await shot('passkeys-only');
    // Two passkeys, one being renamed.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    const name = unique('sam');
    await createUser(request, name);
    await signIn(page, name);
    await open(page, '/account/security');
    for (const label of ['Work laptop', 'Phone']) {
      await page.getByLabel('Name (optional)').fill(label);
      // The first is confirmed with the password, the second with the first passkey.
      const password = page.locator('#field-add-passkey-password');
      if (await password.count()) await password.fill(PASSWORD);
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await expect(page.getByTestId('passkey-name').filter({ hasText: label })).toBeVisible();
      // A second passkey needs a second device (a security key): this one holds one already.
      if (label === 'Work laptop') await confirmWithThenCreateOn(page, laptop, await plugIn(page, { transport: 'usb' }));
    }
    await page.getByRole('button', { name: 'Rename Phone' }).click();
    await expect(page.locator('#field-passkey-name')).toHaveValue('Phone');
    await shot('passkeys');
  });
}

test('screenshots of the dark scheme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const [route, name] of [
    ['/', 'home'],
    ['/signup', 'signup'],
    ['/signin', 'signin'],
  ]) {
    await open(page, route);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe('rgb(17, 20, 27)'); // --bg of the dark scheme
    await page.screenshot({ path: path.join(dir, `${name}-dark.png`), fullPage: true });
  }
});
