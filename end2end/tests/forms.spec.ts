// Validation beside each field (the same Rust rules as the server), and the server's answers in the alert.
import { PASSWORD, createUser, expect, open, test, unique } from './helpers';

test('sign-up fields explain themselves as you type and on submit', async ({ page }) => {
  await open(page, '/signup');
  const username = page.getByLabel('Username', { exact: true });
  await username.fill('a!');
  await username.blur();
  await expect(username).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#field-username-message')).toHaveText('Username must be 3 to 32 characters long.');
  await username.fill('ab!');
  await expect(page.locator('#field-username-message')).toHaveText(
    "Username may only use letters, digits, '_', '.' and '-'.",
  );
  await username.fill('good_name');
  await expect(username).toHaveAttribute('aria-invalid', 'false');

  // Submitting shows every remaining problem at once, and sends nothing.
  let requests = 0;
  page.on('request', (request) => request.url().includes('/api/fn/sign-up') && requests++);
  await page.getByLabel('Email', { exact: true }).fill('not-an-email');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.locator('#field-name-message')).toHaveText('Name is required.');
  await expect(page.locator('#field-email-message')).toHaveText('Enter an email address like name@example.com.');
  await expect(page.locator('#field-password-message')).toHaveText('Password must be at least 8 characters.');
  // The message is tied to its input for screen readers.
  await expect(page.getByLabel('Email', { exact: true })).toHaveAttribute('aria-describedby', /field-email-message/);
  expect(requests).toBe(0);
});

test('a taken username is reported by the server in the alert', async ({ page, request }) => {
  const taken = unique('taken');
  await createUser(request, taken);
  await open(page, '/signup');
  await page.getByLabel('Name', { exact: true }).fill('Second Person');
  await page.getByLabel('Username', { exact: true }).fill(taken.toUpperCase());
  await page.getByLabel('Email', { exact: true }).fill(`${taken}-other@example.com`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'taken' })).toHaveText('That username is already taken.');
  await expect(page).toHaveURL(/\/signup$/);
});

test('a wrong password is refused in the alert, with the button busy while it waits', async ({ page, request }) => {
  const name = unique('wrongpw');
  await createUser(request, name);
  await open(page, '/signin');
  await page.getByLabel('Username', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password');
  // Hold the answer back to see the in-flight state, and count what is sent.
  let sent = 0;
  await page.route('**/api/fn/sign-in', async (route) => {
    sent++;
    await new Promise((resolve) => setTimeout(resolve, 400));
    await route.continue();
  });
  const button = page.getByRole('button', { name: 'Sign in', exact: true });
  await button.click();
  const busy = page.getByRole('button', { name: 'Signing in…' });
  await expect(busy).toBeDisabled();
  await busy.click({ force: true }); // a second click while in flight does nothing
  await page.getByLabel('Password', { exact: true }).press('Enter'); // nor does a second Enter
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong' })).toHaveText('Wrong username or password.');
  expect(sent).toBe(1);
  await expect(button).toBeEnabled();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' })).toBeVisible();
});

test('an unknown account gets the very same refusal', async ({ page }) => {
  await open(page, '/signin');
  await page.getByLabel('Username', { exact: true }).fill(unique('ghost'));
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Wrong' })).toHaveText('Wrong username or password.');
});
