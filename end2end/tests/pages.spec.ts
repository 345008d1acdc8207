// Every page renders on the server, hydrates without errors, and says what it is.
import { createUser, expect, open, signIn, test, unique } from './helpers';

const PUBLIC = [
  { path: '/', heading: 'Rust Auth', title: 'Rust Auth' },
  { path: '/signup', heading: 'Sign up', title: 'Sign up · Rust Auth' },
  { path: '/signin', heading: 'Sign in', title: 'Sign in · Rust Auth' },
];

for (const page of PUBLIC) {
  test(`${page.path} renders and hydrates`, async ({ page: tab }) => {
    const response = await open(tab, page.path);
    expect(response?.status()).toBe(200);
    await expect(tab.getByRole('heading', { level: 1 })).toHaveText(page.heading);
    await expect(tab).toHaveTitle(page.title);
  });
}

test('an unknown path is a real 404 page', async ({ page }) => {
  const response = await open(page, '/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await page.getByRole('link', { name: 'Back to the home page' }).click();
  await expect(page).toHaveURL(/\/$/);
});

test('signed-in pages render without errors', async ({ page, request }) => {
  const name = unique('visitor');
  await createUser(request, name);
  await signIn(page, name);
  for (const [path, heading] of [
    ['/', 'Rust Auth'],
    ['/account', 'Your account'],
    ['/account/security', 'Your account'],
    ['/account/devices', 'Your account'],
    ['/account/danger', 'Your account'],
    ['/user', 'User board'],
    ['/pm', 'Management board'],
    ['/admin', 'Admin board'],
  ]) {
    await open(page, path);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
  }
  // The home page lists this user's boards once signed in.
  await open(page, '/');
  await expect(page.getByRole('main').getByRole('link', { name: 'User board' })).toBeVisible();
});
