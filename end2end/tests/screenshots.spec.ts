// A screenshot of each page at desktop and phone width. Written to test-results/screenshots, or to
// SCREENSHOT_DIR (the README's pictures: SCREENSHOT_DIR=../docs/screenshots).
import path from 'node:path';
import { ADMIN, createUser, expect, open, signIn, test, unique } from './helpers';

const dir = process.env.SCREENSHOT_DIR ?? 'test-results/screenshots';
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

for (const size of SIZES) {
  test(`screenshots at ${size.name} width`, async ({ page, request }) => {
    await page.setViewportSize({ width: size.width, height: size.height });
    const shot = async (name: string) => {
      await page.screenshot({ path: path.join(dir, `${name}-${size.name}.png`), fullPage: true });
    };
    for (const [route, name] of [
      ['/', 'home'],
      ['/signup', 'signup'],
      ['/signin', 'signin'],
      ['/missing-page', 'not-found'],
    ]) {
      await open(page, route);
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
      await shot(name);
    }
    const name = unique('pat');
    await createUser(request, name);
    await signIn(page, name);
    await open(page, '/profile');
    await expect(page.getByTestId('session-row')).toBeVisible();
    await shot('profile');
    await open(page, '/user');
    await expect(page.getByTestId('board-description')).toBeVisible();
    await shot('user-board');
    await open(page, '/admin');
    await expect(page.getByTestId('refusal')).toBeVisible();
    await shot('admin-refused');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sign out' }).click();
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

test('screenshots of the dark scheme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const [route, name] of [
    ['/', 'home'],
    ['/signup', 'signup'],
  ]) {
    await open(page, route);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe('rgb(17, 20, 27)'); // --bg of the dark scheme
    await page.screenshot({ path: path.join(dir, `${name}-dark.png`), fullPage: true });
  }
});
