// The tutorial's three personas, through the UI: adam signs himself up (user); the admin creates
// jack (pm) and thomas (admin) with the role checkboxes; each signs in and reaches exactly their boards.
import { ADMIN, PASSWORD, boardLinks, expect, open, signIn, test, unique } from './helpers';

const BOARDS = [
  { path: '/user', title: 'User board', description: 'User Content Page', refusal: '' },
  { path: '/pm', title: 'Management board', description: 'Management Board', refusal: 'Require PM or Admin Roles!' },
  { path: '/admin', title: 'Admin board', description: 'Admin Board', refusal: 'Require Admin Role!' },
];

test.describe.configure({ mode: 'serial' });

const adam = unique('adam');
const jack = unique('jack');
const thomas = unique('thomas');

async function fillSignUp(page: import('@playwright/test').Page, username: string) {
  await page.getByLabel('Name', { exact: true }).fill(`${username} Persona`);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Email', { exact: true }).fill(`${username}@example.com`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
}

test('a visitor signs up as a user, without any role choice', async ({ page }) => {
  await open(page, '/signup');
  // No role to choose (the only checkbox is "Use a passkey instead of a password").
  await expect(page.getByRole('group', { name: 'Roles' })).toHaveCount(0);
  await expect(page.getByRole('checkbox', { name: 'Admin' })).toHaveCount(0);
  await fillSignUp(page, adam);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/signin\?username=/);
  await expect(page.getByRole('status')).toContainText('Your account is ready');
  await expect(page.getByLabel('Username', { exact: true })).toHaveValue(adam);
});

test('the admin creates a PM and an admin with the role checkboxes', async ({ page }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await open(page, '/signup');
  for (const [username, role] of [
    [jack, 'PM'],
    [thomas, 'Admin'],
  ]) {
    await fillSignUp(page, username);
    await page.getByRole('checkbox', { name: 'User' }).uncheck();
    await page.getByRole('checkbox', { name: role }).check();
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect(page.getByRole('status')).toContainText(`Created the account “${username}” with the role(s) ${role}.`);
    await expect(page.getByLabel('Username', { exact: true })).toHaveValue('');
  }
  // Still signed in as the admin.
  await expect(page.getByTestId('nav-username')).toHaveText(ADMIN.username);
});

for (const [persona, allowed] of [
  ['adam', ['User board']],
  ['jack', ['User board', 'Management board']],
  ['thomas', ['User board', 'Management board', 'Admin board']],
] as const) {
  test(`${persona} signs in and reaches exactly their boards`, async ({ page }) => {
    const username = { adam, jack, thomas }[persona];
    await signIn(page, username);
    expect(await boardLinks(page)).toEqual(allowed);
    for (const board of BOARDS) {
      await open(page, board.path);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(board.title);
      if ((allowed as readonly string[]).includes(board.title)) {
        await expect(page.getByTestId('board-description')).toHaveText(board.description);
        await expect(page.getByTestId('profile-username')).toHaveText(username);
      } else {
        await expect(page.getByTestId('refusal')).toHaveText(board.refusal);
        await expect(page.getByTestId('board-description')).toHaveCount(0);
      }
    }
  });
}
