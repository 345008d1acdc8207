// The Admin board's user list: search and paging through more users than one page holds.
import { ADMIN, createUser, expect, open, signIn, test, unique } from './helpers';

test('an admin searches users and pages through the results', async ({ page, request }) => {
  const prefix = unique('pager');
  // Pages hold ten users: twelve make a full page and a partial one.
  const names = Array.from({ length: 12 }, (_, i) => `${prefix}_${String(i).padStart(2, '0')}`);
  for (const name of names) await createUser(request, name);

  await signIn(page, ADMIN.username, ADMIN.password);
  await open(page, '/admin');
  await page.getByLabel('Search by username or email').fill(prefix);
  await page.getByRole('button', { name: 'Search', exact: true }).click();

  const pager = page.getByRole('navigation', { name: 'Pages of users' });
  const rows = page.locator('table.users tbody tr');
  const previous = pager.getByRole('button', { name: 'Previous', exact: true });
  const next = pager.getByRole('button', { name: 'Next', exact: true });

  await expect(pager).toContainText('Page 1 of 2 · 12 users');
  await expect(rows).toHaveCount(10);
  await expect(rows.first()).toHaveAttribute('data-username', names[0]);
  await expect(previous).toBeDisabled();
  await expect(next).toBeEnabled();

  // At desktop width every action is in view, not cut off at the edge of a scrolling table.
  await page.setViewportSize({ width: 1280, height: 800 });
  const wrap = await page.locator('.table-wrap').first().boundingBox();
  const disable = await rows.first().getByRole('button', { name: `Disable ${names[0]}` }).boundingBox();
  expect(disable!.x + disable!.width).toBeLessThanOrEqual(wrap!.x + wrap!.width);

  await next.click();
  await expect(pager).toContainText('Page 2 of 2 · 12 users');
  await expect(rows).toHaveCount(2);
  await expect(rows.last()).toHaveAttribute('data-username', names[11]);
  await expect(next).toBeDisabled();

  await previous.click();
  await expect(pager).toContainText('Page 1 of 2');
  await expect(rows).toHaveCount(10);

  // A search that matches nobody says so rather than showing an empty table.
  await page.getByLabel('Search by username or email').fill(`${prefix}_nobody`);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(page.getByText(`No user matches “${prefix}_nobody”.`)).toBeVisible();
  await expect(rows).toHaveCount(0);
  await expect(pager).toHaveCount(0);
});
