// Passkeys in a real Chromium, with its virtual authenticator (DevTools protocol, ctap2, internal
// transport, resident keys, user verification): adding, signing in with the button and through
// the username field's autofill, passwordless accounts, and what must be refused.
//
// WebAuthn refuses IP-address origins: the suite runs at http://localhost:PORT (BASE_URL).
import type { Page } from '@playwright/test';
import {
  ADMIN,
  type Authenticator,
  PASSWORD,
  apiToken,
  createUser,
  expect,
  confirmWithThenCreateOn,
  open,
  plugIn,
  signIn,
  test,
  unique,
} from './helpers';

type Credential = { credentialId: string; privateKey: string; userHandle?: string; rpId: string; signCount: number };

async function credentials(authenticator: Authenticator): Promise<Credential[]> {
  const { credentials } = await authenticator.cdp.send('WebAuthn.getCredentials', {
    authenticatorId: authenticator.id,
  });
  return credentials as Credential[];
}

/**
 * Security page: adds a passkey named `name`. The first is confirmed with the password; once the
 * account has one, with a passkey (asked by the browser, answered by a plugged-in authenticator).
 */
async function addPasskey(page: Page, name: string, password: string = PASSWORD) {
  await open(page, '/account/security');
  await page.getByLabel('Name (optional)').fill(name);
  const field = page.locator('#field-add-passkey-password');
  if (await field.count()) await field.fill(password);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Passkey “${name}” added` })).toBeVisible();
  await expect(page.getByTestId('passkey-name').filter({ hasText: name })).toBeVisible();
}

/** Signs out from Home (signing out on a protected page leads to Sign in). */
async function signOut(page: Page) {
  await open(page, '/');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('button', { name: 'Sign out' }).click();
  await expect(nav.getByRole('link', { name: 'Sign in' })).toBeVisible();
}

/** Sign in page: the "Sign in with a passkey" button. */
async function passkeyButton(page: Page) {
  await open(page, '/signin');
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
}

test.describe('passkeys', () => {
  test('add a passkey, sign out, sign in with the button: no username, no password, no code', async ({
    page,
    request,
  }) => {
    const username = unique('pk');
    await createUser(request, username);
    const authenticator = await plugIn(page);
    await signIn(page, username);
    await addPasskey(page, 'Laptop fingerprint');
    const row = page.getByTestId('passkey-row');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('Never');
    await expect(row).toContainText('This device only');
    expect(await credentials(authenticator)).toHaveLength(1);
    await signOut(page);

    await passkeyButton(page);
    await expect(page.getByTestId('nav-username')).toHaveText(username);
    // Last used is now set, and the notice mail about the new passkey went out (checked by the
    // Rust suite); the session is listed like any other.
    await open(page, '/account/security');
    await expect(page.getByTestId('passkey-row')).not.toContainText('Never');
    await open(page, '/account/devices');
    await expect(page.getByTestId('session-row').filter({ hasText: 'This device' })).toHaveCount(1);
  });

  test('sign in through the username field autofill', async ({ page, request }) => {
    const username = unique('pkauto');
    await createUser(request, username);
    const authenticator = await plugIn(page, { autofill: true });
    // The username field offers passkeys in its suggestions (none on this device yet).
    await open(page, '/signin');
    await expect(page.getByLabel('Username', { exact: true })).toHaveAttribute('autocomplete', 'username webauthn');
    await signIn(page, username);
    await addPasskey(page, 'Autofill key');
    await signOut(page);
    // The page asks for a passkey through the username field's suggestions as soon as it is live;
    // Chromium's virtual authenticator picks the passkey there as a person would. Nothing is clicked.
    await page.goto('/signin');
    await expect(page.getByTestId('nav-username')).toHaveText(username);
    expect((await credentials(authenticator))[0].signCount).toBeGreaterThan(0);
  });

  test('create an account with a passkey, then sign in with it', async ({ page }) => {
    const username = unique('pkonly');
    await plugIn(page);
    await open(page, '/signup');
    await page.getByLabel('Name', { exact: true }).fill('Pat Keys');
    await page.getByLabel('Username', { exact: true }).fill(username);
    await page.getByLabel('Email', { exact: true }).fill(`${username}@example.com`);
    await page.getByLabel('Use a passkey instead of a password').check();
    await expect(page.getByLabel('Password', { exact: true })).toBeHidden();
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page.getByTestId('nav-username')).toHaveText(username);
    await expect(page).toHaveURL(/\/account\/security$/);
    // No password yet: the page offers to set one, confirmed with the passkey.
    await expect(page.getByRole('heading', { name: 'Set a password' })).toBeVisible();
    await signOut(page);
    await passkeyButton(page);
    await expect(page.getByTestId('nav-username')).toHaveText(username);
    // Setting a password asks the passkey, not a password.
    await open(page, '/account/security');
    await page.getByLabel('New password', { exact: true }).fill('first-horse-battery');
    await page.getByLabel('Confirm new password').fill('first-horse-battery');
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Your password is set' })).toBeVisible();
    await signOut(page);
    await signIn(page, username, 'first-horse-battery');
  });

  test('two passkeys on one account; rename one, remove the other, which then no longer signs in', async ({
    page,
    request,
  }) => {
    const username = unique('pktwo');
    await createUser(request, username);
    const phone = await plugIn(page);
    await signIn(page, username);
    await addPasskey(page, 'Phone');
    // A second device. Adding its passkey asks for the phone's first (the password alone no longer
    // adds a factor): the phone answers, the new key creates the passkey.
    const securityKey = await plugIn(page, { transport: 'usb' });
    await confirmWithThenCreateOn(page, phone, securityKey);
    await expect(page.locator('#field-add-passkey-password')).toHaveCount(0);
    await addPasskey(page, 'Blue key');
    await expect(page.getByTestId('passkey-row')).toHaveCount(2);
    expect(await credentials(securityKey)).toHaveLength(1);

    // Rename the blue key.
    await page.getByRole('button', { name: 'Rename Blue key' }).click();
    await page.locator('#field-passkey-name').fill('Office key');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect(page.getByTestId('passkey-name').filter({ hasText: 'Office key' })).toBeVisible();

    // Remove the phone's passkey, confirmed with a passkey (either device answers).
    const [phoneKey] = await credentials(phone);
    await page.getByRole('button', { name: 'Remove Phone' }).click();
    await expect(page.locator('#field-remove-passkey-password')).toHaveCount(0);
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await expect(page.getByRole('status').filter({ hasText: '“Phone” is removed' })).toBeVisible();
    await expect(page.getByTestId('passkey-row')).toHaveCount(1);
    await signOut(page);

    // The phone is unplugged: the office key signs in...
    await phone.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: phone.id });
    await passkeyButton(page);
    await expect(page.getByTestId('nav-username')).toHaveText(username);
    await signOut(page);
    // ... the phone's passkey, back on a device of its own, does not any more.
    await securityKey.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: securityKey.id });
    const phoneAgain = await plugIn(page);
    await phoneAgain.cdp.send('WebAuthn.addCredential', {
      authenticatorId: phoneAgain.id,
      credential: { ...phoneKey, isResidentCredential: true },
    });
    await passkeyButton(page);
    await expect(
      page.locator('.passkey-signin').getByRole('alert').filter({ hasText: 'That passkey could not be verified' }),
    ).toBeVisible();
    await expect(page.getByTestId('nav-username')).toHaveCount(0);
  });

  test('refused: user verification failing, and a bogus signature', async ({ page, request }) => {
    const username = unique('pkbad');
    await createUser(request, username);
    const authenticator = await plugIn(page);
    await signIn(page, username);
    await addPasskey(page, 'Finicky reader');
    await signOut(page);

    // The fingerprint does not match: the browser gives no answer.
    await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.id, isUserVerified: false });
    await passkeyButton(page);
    await expect(page.locator('.passkey-signin').getByRole('alert').filter({ hasText: 'The passkey prompt was closed' })).toBeVisible();
    await expect(page.getByTestId('nav-username')).toHaveCount(0);

    // A signature that does not verify: the server refuses it.
    await authenticator.cdp.send('WebAuthn.setUserVerified', { authenticatorId: authenticator.id, isUserVerified: true });
    await authenticator.cdp.send('WebAuthn.setResponseOverrideBits', {
      authenticatorId: authenticator.id,
      isBogusSignature: true,
    });
    await passkeyButton(page);
    await expect(page.locator('.passkey-signin').getByRole('alert').filter({ hasText: 'That passkey could not be verified' })).toBeVisible();
    await expect(page.getByTestId('nav-username')).toHaveCount(0);

    // Back to normal: it signs in.
    await authenticator.cdp.send('WebAuthn.setResponseOverrideBits', {
      authenticatorId: authenticator.id,
      isBogusSignature: false,
    });
    await passkeyButton(page);
    await expect(page.getByTestId('nav-username')).toHaveText(username);
  });

  test("A's passkey cannot sign in as B", async ({ page, request }) => {
    const [alice, bob] = [unique('pka'), unique('pkb')];
    await createUser(request, alice);
    await createUser(request, bob);
    const authenticator = await plugIn(page);
    await signIn(page, alice);
    await addPasskey(page, 'Alice key');
    await signOut(page);
    // Bob's account id, as the user handle of Alice's key.
    const token = await apiToken(request, bob, PASSWORD);
    const me = await (await request.get('/api/auth/me', { headers: { authorization: `Bearer ${token}` } })).json();
    const [key] = await credentials(authenticator);
    await authenticator.cdp.send('WebAuthn.clearCredentials', { authenticatorId: authenticator.id });
    const bobsHandle = Buffer.from(me.id.replaceAll('-', ''), 'hex').toString('base64');
    await authenticator.cdp.send('WebAuthn.addCredential', {
      authenticatorId: authenticator.id,
      credential: { ...key, userHandle: bobsHandle, isResidentCredential: true },
    });
    await passkeyButton(page);
    await expect(page.locator('.passkey-signin').getByRole('alert').filter({ hasText: 'That passkey could not be verified' })).toBeVisible();
    await expect(page.getByTestId('nav-username')).toHaveCount(0);
  });

  test('a disabled account is refused', async ({ page, request }) => {
    const username = unique('pkoff');
    await createUser(request, username);
    await plugIn(page);
    await signIn(page, username);
    await addPasskey(page, 'Soon useless');
    await signOut(page);
    const admin = await apiToken(request, ADMIN.username, ADMIN.password);
    const token = await apiToken(request, username, PASSWORD);
    const me = await (await request.get('/api/auth/me', { headers: { authorization: `Bearer ${token}` } })).json();
    const disabled = await request.post(`/api/admin/users/${me.id}/disable`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(disabled.status()).toBe(200);
    await passkeyButton(page);
    await expect(page.locator('.passkey-signin').getByRole('alert').filter({ hasText: 'disabled' })).toBeVisible();
    await expect(page.getByTestId('nav-username')).toHaveCount(0);
  });
});

// A second server of the suite requires two-factor sign-in of admins (REQUIRE_2FA_FOR_ADMINS).
const STRICT_URL = process.env.STRICT_BASE_URL;

test.describe('passkeys where admins need two factors', () => {
  test.skip(!STRICT_URL, 'STRICT_BASE_URL is set by end2end/run.mjs');
  test.use({ baseURL: STRICT_URL });

  test('an admin with only a passkey reaches the Admin board', async ({ page, playwright }) => {
    const username = unique('pkadmin');
    // Created through the main server (same database), whose root admin needs no second factor.
    const main = await playwright.request.newContext({ baseURL: process.env.BASE_URL });
    await createUser(main, username, ['admin']);
    await main.dispose();
    await plugIn(page);
    await signIn(page, username);
    // A password alone does not open the board: set up a second factor first.
    await open(page, '/admin');
    await expect(page.getByTestId('refusal')).toContainText('second factor');
    await addPasskey(page, 'Admin key');
    await signOut(page);
    await passkeyButton(page);
    await expect(page.getByTestId('nav-username')).toHaveText(username);
    await open(page, '/admin');
    await expect(page.getByRole('heading', { name: 'Admin board' })).toBeVisible();
    await expect(page.getByTestId('refusal')).toHaveCount(0);
  });
});
