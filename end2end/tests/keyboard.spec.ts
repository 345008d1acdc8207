// Signing in with the keyboard alone: Tab to each field, type, Enter.
import { createUser, expect, open, test, unique, PASSWORD } from './helpers';

test('keyboard-only sign-in', async ({ page, request }) => {
  const name = unique('keys');
  await createUser(request, name);
  await open(page, '/signin');
  const username = page.getByLabel('Username', { exact: true });
  for (let presses = 0; presses < 15 && !(await username.evaluate((el) => el === document.activeElement)); presses++) {
    await page.keyboard.press('Tab');
  }
  await expect(username).toBeFocused();
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('nav-username')).toHaveText(name);
});

test('the skip link is the first stop and jumps to the content', async ({ page }) => {
  await open(page, '/');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeVisible();
});
