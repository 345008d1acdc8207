// The client split by route, as the test command builds it: what the first load leaves out, and
// when the rest arrives. (Against an unsplit build, `cargo leptos watch`, these are skipped: there
// is nothing to split.)
import type { Page } from '@playwright/test';
import { createUser, expect, open, signIn, test, unique } from './helpers';

/** The lazily loaded files the page asks for, by path, as they are requested. */
function lazyRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (/^\/pkg\/(split_|chunk_)/.test(path)) seen.push(path);
  });
  return seen;
}

const userBoardCode = (paths: string[]) => paths.filter((path) => path.includes('split_user_board'));
const boardLink = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name });

test.beforeEach(async ({ page }) => {
  await open(page, '/');
  const split = await page.locator('link[rel="modulepreload"][href*="__wasm_split"]').count();
  test.skip(split === 0, 'an unsplit build has no lazily loaded code');
});

test('sign-in needs no page code; once signed in, the user\'s own board comes while the browser is idle', async ({
  page,
  request,
}) => {
  const name = unique('idle');
  await createUser(request, name);
  const lazy = lazyRequests(page);
  await open(page, '/signin');
  expect(lazy.filter((path) => path.includes('/pkg/split_')), 'the sign-in page loads no page code').toEqual([]);

  await signIn(page, name);
  await expect.poll(() => userBoardCode(lazy).length, { message: 'the User board code is fetched' }).toBeGreaterThan(0);
  await page.waitForLoadState('networkidle');
  expect(lazy.filter((path) => /split_(admin|management)_board/.test(path)), 'boards this user cannot open').toEqual(
    [],
  );

  const before = lazy.length;
  await boardLink(page, 'User board').click();
  await expect(page.getByTestId('board-description')).toBeVisible();
  expect(lazy.length, 'the click needed no more code').toBe(before);
});

test('with Data Saver on, a board\'s code waits until its link is pointed at', async ({ page, request }) => {
  await page.addInitScript(() => {
    const connection = (navigator as Navigator & { connection?: object }).connection;
    if (connection) Object.defineProperty(connection, 'saveData', { get: () => true });
  });
  const name = unique('saver');
  await createUser(request, name);
  const lazy = lazyRequests(page);
  await signIn(page, name);
  await page.waitForLoadState('networkidle');
  expect(userBoardCode(lazy), 'nothing fetched in the background').toEqual([]);

  await boardLink(page, 'User board').hover();
  await expect.poll(() => userBoardCode(lazy).length, { message: 'hovering fetches the code' }).toBeGreaterThan(0);
  await boardLink(page, 'User board').click();
  await expect(page.getByTestId('board-description')).toBeVisible();
});
