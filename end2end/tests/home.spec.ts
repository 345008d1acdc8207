import { expect, test } from '@playwright/test';

test('the home page says what the app is', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rust Auth');
});
