// Sessions and two-factor sign-in through the UI. The test command gives access tokens a short life
// (JWT_EXPIRES_IN, 20 s), so the app's own renewal runs in every longer test and is tested here.
import { PASSWORD, createUser, expect, mailsTo, open, signIn, test, totp, unique } from './helpers';

const KEY = 'rust-auth.session';
const ttl = Number(process.env.JWT_EXPIRES_IN ?? 20);

test('keep me signed in survives a reload after the access token expired', async ({ page, request }) => {
  test.setTimeout(ttl * 1000 + 45_000);
  const name = unique('keeper');
  await createUser(request, name);
  await open(page, '/signin');
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Keep me signed in').check();
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('nav-username')).toHaveText(name);
  const first = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)!), KEY);
  expect(first.refreshExpiresIn).toBe(30 * 86400);
  // Close the page until the access token is dead, then come back.
  const context = page.context();
  await page.close();
  // Past its expiry and the 5 s of clock skew the server tolerates.
  await new Promise((resolve) => setTimeout(resolve, (ttl + 7) * 1000));
  const again = await context.newPage();
  const response = await request.get('/api/test/user', { headers: { authorization: `Bearer ${first.accessToken}` } });
  expect(response.status(), 'the old access token has expired').toBe(401);
  await open(again, '/user');
  await expect(again.getByTestId('board-description')).toHaveText('User Content Page');
  const renewed = await again.evaluate((key) => JSON.parse(localStorage.getItem(key)!), KEY);
  expect(renewed.accessToken).not.toBe(first.accessToken);
  expect(renewed.refreshToken).not.toBe(first.refreshToken);
});

test('two tabs stay signed in through a renewal, done once', async ({ context, page, request }) => {
  test.setTimeout(ttl * 1000 + 45_000);
  const name = unique('tabs');
  await createUser(request, name);
  await signIn(page, name);
  const second = await context.newPage();
  await open(second, '/account');
  let renewals = 0;
  for (const tab of [page, second]) {
    tab.on('request', (req) => {
      if (req.url().endsWith('/api/fn/refresh')) renewals += 1;
    });
  }
  const before = await page.evaluate((key) => JSON.parse(localStorage.getItem(key)!).accessToken, KEY);
  await expect
    .poll(() => page.evaluate((key) => JSON.parse(localStorage.getItem(key)!).accessToken, KEY), { timeout: ttl * 1000 + 10_000 })
    .not.toBe(before);
  await page.waitForTimeout(1_500);
  expect(renewals, 'one tab renewed, the other took its result').toBe(1);
  for (const tab of [page, second]) {
    await open(tab, '/user');
    await expect(tab.getByTestId('board-description')).toHaveText('User Content Page');
  }
});

test('the session list signs out another device, and everywhere else', async ({ browser, page, request }) => {
  const name = unique('devices');
  await createUser(request, name);
  const phone = await (await browser.newContext({ userAgent: 'Mozilla/5.0 (iPhone) Safari/604.1' })).newPage();
  const tablet = await (await browser.newContext()).newPage();
  await signIn(phone, name);
  await signIn(tablet, name);
  await signIn(page, name);
  await open(page, '/account/devices');
  await expect(page.getByTestId('session-row')).toHaveCount(3);
  const phoneRow = page.getByTestId('session-row').filter({ hasText: 'Safari on iPhone' });
  await phoneRow.getByRole('button', { name: 'Sign out this device' }).click();
  await expect(page.getByTestId('session-row')).toHaveCount(2);
  await open(phone, '/user');
  await expect(phone.getByRole('alert').filter({ hasText: 'session' })).toContainText('Your session has ended');

  await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await expect(page.getByTestId('session-row')).toHaveCount(1);
  await open(tablet, '/user');
  await expect(tablet.getByRole('alert').filter({ hasText: 'session' })).toContainText('Your session has ended');
  await open(page, '/user');
  await expect(page.getByTestId('board-description')).toHaveText('User Content Page');
});

test('two-factor: set up with a computed code, then sign in with a code and with a recovery code', async ({ page, request }) => {
  const name = unique('twofa');
  await createUser(request, name);
  await signIn(page, name);
  await open(page, '/account/security');
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  await expect(page.getByTestId('mfa-qr').locator('svg')).toBeVisible();
  const secret = (await page.getByTestId('mfa-secret').textContent())!.trim();
  // Turning it on asks for the password too (a stolen session alone cannot).
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.locator('#field-mfa-enable-password-message')).toContainText('Enter your password');
  await page.locator('#field-mfa-enable-password').fill(PASSWORD);
  await page.getByLabel('Code from the app').fill('000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.locator('#field-code-message')).toContainText('not right');
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByTestId('recovery-codes').locator('li');
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.nth(0).textContent())!.trim();
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByTestId('mfa-state')).toHaveText('On');

  // Sign out, then in: the password is not enough.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  await open(page, '/signin');
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByLabel('Code').fill(totp(secret, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByTestId('nav-username')).toHaveText(name);

  // And once more with a recovery code, which then no longer works.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
  for (const attempt of ['first', 'second']) {
    await open(page, '/signin');
    await page.getByLabel('Username', { exact: true }).fill(name);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Code').fill(recovery);
    await page.getByRole('button', { name: 'Verify' }).click();
    if (attempt === 'first') {
      await expect(page.getByTestId('nav-username')).toHaveText(name);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
    } else {
      await expect(page.getByRole('alert').filter({ hasText: 'code is not right' })).toBeVisible();
    }
  }
});

test('two-factor: new recovery codes replace the old ones, and every change is mailed to the owner', async ({ page, request }) => {
  const name = unique('codes');
  await createUser(request, name);
  await signIn(page, name);
  await open(page, '/account/security');
  await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
  const secret = (await page.getByTestId('mfa-secret').textContent())!.trim();
  await page.locator('#field-mfa-enable-password').fill(PASSWORD);
  await page.getByLabel('Code from the app').fill(totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  const first = page.getByTestId('recovery-codes').locator('li');
  await expect(first).toHaveCount(10);
  const old = (await first.nth(0).textContent())!.trim();
  await page.getByRole('button', { name: 'I have saved them' }).click();

  // New recovery codes: the password and a code (a recovery code will do), then ten new ones.
  const form = page.getByRole('form', { name: 'New recovery codes' });
  await form.locator('#field-codes-password').fill(PASSWORD);
  await form.locator('#field-codes-code').fill(old);
  await form.getByRole('button', { name: 'New recovery codes' }).click();
  const fresh = page.getByTestId('recovery-codes').locator('li');
  await expect(fresh).toHaveCount(10);
  const renewed = await fresh.allTextContents();
  expect(renewed.map((code) => code.trim())).not.toContain(old);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByTestId('mfa-state')).toHaveText('On');

  // The owner was told of each change, with when and from where.
  const mails = await mailsTo(request, `${name}@example.com`, 4);
  const subjects = mails.map((mail) => mail.subject);
  for (const subject of [
    'Two-factor sign-in is on for your Rust Auth account',
    'A recovery code was used on your Rust Auth account',
    'New recovery codes for your Rust Auth account',
  ]) {
    expect(subjects).toContain(subject);
  }
  const notice = mails.find((mail) => mail.subject.startsWith('New recovery codes'))!;
  expect(notice.text).toContain('When:');
  expect(notice.text).toContain('127.0.0.1');
  expect(notice.text).toContain('If it was not');
});
