// Shared fixtures and helpers for the browser suite.
//
// Every test gets a page that records uncaught exceptions and console errors, and fails at the end
// if there were any. Chromium also logs every 4xx/5xx response as "Failed to load resource"; those
// are expected (a wrong password is a 401) and are the only console errors ignored.
import { createHmac } from 'node:crypto';
import { test as base, expect, type APIRequestContext, type CDPSession, type Page } from '@playwright/test';

export { expect };

export const PASSWORD = 'correct-horse-42';
export const ADMIN = {
  username: process.env.E2E_ADMIN_USERNAME ?? 'root',
  password: process.env.E2E_ADMIN_PASSWORD ?? '',
};

export const test = base.extend({
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        errors.push(`console.error: ${message.text()}`);
      }
    });
    await use(page);
    expect(errors, 'the browser console has no uncaught errors').toEqual([]);
  },
});

/** A username no other test (or earlier run against the same server) uses. */
export function unique(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

/** Opens `path` and waits until the app has hydrated (the wasm app is live). */
export async function open(page: Page, path: string) {
  const response = await page.goto(path);
  await page.locator('html[data-hydrated]').waitFor();
  return response;
}

/** Signs in through the REST API and returns the token. */
export async function apiToken(request: APIRequestContext, username: string, password: string): Promise<string> {
  const response = await request.post('/api/auth/signin', { data: { username, password } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).accessToken;
}

/** Creates an account through the REST API; privileged roles are created with the admin's token. */
export async function createUser(request: APIRequestContext, username: string, roles: string[] = ['user']) {
  const privileged = roles.some((role) => role !== 'user');
  const headers: Record<string, string> = privileged
    ? { authorization: `Bearer ${await apiToken(request, ADMIN.username, ADMIN.password)}` }
    : {};
  const response = await request.post('/api/auth/signup', {
    headers,
    data: { name: `${username} Tester`, username, email: `${username}@example.com`, password: PASSWORD, roles },
  });
  expect(response.status(), await response.text()).toBe(201);
}

/** Signs in through the UI and waits for the navigation to show the user. */
export async function signIn(page: Page, username: string, password = PASSWORD) {
  await open(page, '/signin');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByTestId('nav-username')).toHaveText(username);
}

/** The board links in the main navigation, in order. */
export async function boardLinks(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const links = await nav.getByRole('link').allTextContents();
  return links.filter((text) => text.endsWith('board'));
}

const MAILDEV = process.env.MAILDEV_URL ?? 'http://127.0.0.1:1080';

export type Mail = { subject: string; text: string; html?: string; to: { address: string }[] };

/** Mails MailDev received for `address` (ignoring case), oldest first, waiting until `count` arrived. */
export async function mailsTo(request: APIRequestContext, address: string, count = 1): Promise<Mail[]> {
  const wanted = address.toLowerCase();
  let found: Mail[] = [];
  await expect
    .poll(
      async () => {
        const response = await request.get(`${MAILDEV}/api/email`);
        const all: Mail[] = response.ok() ? await response.json() : [];
        found = all.filter((mail) => mail.to.some((to) => to.address.toLowerCase() === wanted));
        return found.length;
      },
      { timeout: 15_000, message: `${count} mail(s) to ${address}` },
    )
    .toBeGreaterThanOrEqual(count);
  return found;
}

/** The path and query of the first link in `mail` to `path` (`/reset-password`), on this server. */
export function linkIn(mail: Mail, path: string): string {
  const match = mail.text.match(new RegExp(`https?://[^\\s]*${path}\\?token=[0-9a-f]+`));
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  const url = new URL(match[0]);
  return url.pathname + url.search;
}

/** The TOTP code (RFC 6238: HMAC-SHA1, 30 s, 6 digits) for a base32 `secret`, `offset` steps from now. */
export function totp(secret: string, offset = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + offset));
  const digest = createHmac('sha1', key).update(counter).digest();
  const start = digest[19] & 0x0f;
  const binary = digest.readUInt32BE(start) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

export type Authenticator = { cdp: CDPSession; id: string };

/**
 * Plugs an authenticator into `page`'s browser: the device's own (a fingerprint reader that says
 * yes; Chromium has at most one) or, with `transport: 'usb'`, a security key.
 *
 * With a virtual authenticator, Chromium answers the username field's autofill request (conditional
 * mediation) at once, as if the person had picked the passkey there: visiting Sign in signs in. So
 * unless `autofill`, the page is told this browser has no passkey autofill, and only the button asks.
 */
export async function plugIn(
  page: Page,
  { verified = true, autofill = false, transport = 'internal' as 'internal' | 'usb' } = {},
): Promise<Authenticator> {
  if (!autofill) {
    await page.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
  }
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport,
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: verified,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, id: authenticatorId };
}

/** Whether `authenticator` answers by itself (a person touching it) or stays silent. */
export async function touches(authenticator: Authenticator, enabled: boolean) {
  await authenticator.cdp.send('WebAuthn.setAutomaticPresenceSimulation', {
    authenticatorId: authenticator.id,
    enabled,
  });
}

/**
 * With two authenticators plugged in, a person picks which one answers. Adding a second passkey
 * asks the first device (to confirm), then the second (to create): `from` answers until the
 * server has accepted the confirmation, `to` from then on.
 */
export async function confirmWithThenCreateOn(page: Page, from: Authenticator, to: Authenticator) {
  await touches(from, true);
  await touches(to, false);
  await page.route('**/api/fn/passkey-register-start', async (route) => {
    await touches(from, false);
    await touches(to, true);
    await route.continue();
  });
}

