// Accessibility: axe-core (WCAG 2.1 A and AA, plus its best practices) on every page, signed out and
// signed in as an admin, in the light and the dark scheme. Any violation fails, named with the
// elements it was found on.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { ADMIN, expect, open, signIn, test } from './helpers';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

const SIGNED_OUT: [string, string][] = [
  ['/', 'h1'],
  ['/signin', 'h1'],
  ['/signup', 'h1'],
  ['/forgot-password', 'h1'],
  ['/reset-password?token=0000', 'h1'],
  ['/verify-email?token=0000', 'h1'],
  ['/no/such/page', 'h1'],
];

const ADMIN_PAGES: [string, string][] = [
  ['/', 'h1'],
  ['/user', '[data-testid="board-description"]'],
  ['/pm', '[data-testid="board-description"]'],
  ['/admin', '[data-testid="board-description"]'],
  ['/account', '[data-testid="profile-username"]'],
  ['/account/security', '#change-password'],
  ['/account/devices', '[data-testid="session-row"]'],
  ['/account/danger', 'h1'],
];

async function check(page: Page, path: string, ready: string) {
  await open(page, path);
  await page.locator(ready).first().waitFor();
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const found = results.violations.map(
    (violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
  );
  expect(found, `accessibility violations on ${path}`).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
  test(`every page passes axe-core signed out, ${scheme} scheme`, async ({ page }) => {
    test.setTimeout(60_000);
    await page.emulateMedia({ colorScheme: scheme });
    for (const [path, ready] of SIGNED_OUT) {
      await check(page, path, ready);
    }
  });

  test(`every page passes axe-core as an admin, ${scheme} scheme`, async ({ page }) => {
    test.setTimeout(90_000);
    await page.emulateMedia({ colorScheme: scheme });
    await signIn(page, ADMIN.username, ADMIN.password);
    for (const [path, ready] of ADMIN_PAGES) {
      await check(page, path, ready);
    }
  });
}
