import { test, expect, hydrated, uniqueEmail, uniqueName, keyRow, addKey, expectAccessible, PASSWORD, signUp, openBeforeItsCode } from './fixtures';

async function signIn(page: import('@playwright/test').Page, email: string, password = PASSWORD) {
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('sign up, create a key, sign out, sign in again and see it', async ({ page }) => {
  const email = uniqueEmail('founder');
  await page.goto('/signup');
  await hydrated(page);
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('textbox', { name: 'Organization name' }).fill('Founders Inc');
  await page.getByRole('button', { name: 'Create account' }).click();

  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'No API keys yet' })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText('Founders Inc');
  await expect(page.getByRole('banner')).toContainText(email);
  const name = uniqueName('Survives sign-out');
  await addKey(page, name);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/settings/api-keys');
  await expect(page).toHaveURL(/\/login\?next=/);

  await hydrated(page);
  await signIn(page, email.toUpperCase());
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(keyRow(page, name)).toBeVisible();
});

test('another account in another browser sees none of the first one’s keys', async ({ page, browser }) => {
  await signUp(page, 'First Org');
  await page.goto('/settings/api-keys');
  await hydrated(page);
  const name = uniqueName('Private');
  await addKey(page, name);

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signUp(otherPage, 'Second Org');
  await otherPage.goto('/settings/api-keys');
  await expect(otherPage.getByRole('heading', { name: 'No API keys yet' })).toBeVisible();
  await expect(otherPage.getByText(name)).toHaveCount(0);
  await other.close();
});

test('a signed-out visit goes to sign-in and comes back after it', async ({ page }) => {
  const email = await signUp(page);
  await page.context().clearCookies();
  await page.goto('/settings/api-keys');
  await expect(page).toHaveURL(/\/login\?next=%2F|\/login\?next=\/settings\/api-keys/);
  await hydrated(page);
  await signIn(page, email);
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByRole('heading', { level: 1, name: 'API Keys' })).toBeVisible();
});

test.describe('sign-up refusals', () => {
  test.use({ expectedConsoleErrors: [/status of 422/] });
test('sign-up errors are shown next to their fields', async ({ page }) => {
  await page.goto('/signup');
  await hydrated(page);
  await page.getByRole('textbox', { name: 'Email' }).fill('not-an-email');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  const email = page.getByRole('textbox', { name: 'Email' });
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  await expect(email).toHaveAccessibleDescription('Enter an email address like name@example.com.');
  await expect(email).toBeFocused();
  await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/Use at least 8 characters\./);
  await expect(page.getByRole('textbox', { name: 'Organization name' })).toHaveAccessibleDescription(
    "Enter your organization's name.",
  );
  await expect(page.getByRole('alert')).toHaveCount(3);
  await expectAccessible(page);

  // An email taken by someone else (another password) is refused by the
  // server, next to the field. (With its own password, its owner is signed in.)
  const taken = uniqueEmail('taken');
  await page.request.post('/api/auth/signup', { form: { 'input[email]': taken, 'input[password]': PASSWORD, 'input[organization]': 'T' } });
  await page.context().clearCookies();
  await email.fill(taken);
  await page.getByLabel('Password').fill('someone else entirely');
  await page.getByRole('textbox', { name: 'Organization name' }).fill('Copycat');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(email).toHaveAccessibleDescription('An account with this email already exists. Sign in instead.');
});
});

test.describe('sign-in refusals', () => {
  test.use({ expectedConsoleErrors: [/status of 401/] });
  test('a wrong password and an unknown email get the same message', async ({ page }) => {
    const email = await signUp(page);
    await page.context().clearCookies();
    await page.goto('/login');
    await hydrated(page);
    await signIn(page, email, 'not my password');
    await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
    await signIn(page, uniqueEmail('ghost'), PASSWORD);
    await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
    await expect(page).toHaveURL(/\/login$/);
  });
});

test('sign-in and sign-up pages pass axe', async ({ page }) => {
  for (const path of ['/login', '/signup']) {
    await page.goto(path);
    await hydrated(page);
    await expectAccessible(page);
  }
});

test('what is typed into sign-up before the page is live is kept and sent', async ({ page }) => {
  const code = await openBeforeItsCode(page, '/signup');
  const email = uniqueEmail('early');
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('textbox', { name: 'Organization name' }).fill('Early Birds');
  code.release();
  await hydrated(page);
  await expect(page.getByRole('textbox', { name: 'Email' })).toHaveValue(email);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByRole('banner')).toContainText('Early Birds');
});

test('what is typed into sign-in before the page is live is kept and sent', async ({ page }) => {
  const email = await signUp(page);
  await page.context().clearCookies();
  const code = await openBeforeItsCode(page, '/login');
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  code.release();
  await hydrated(page);
  await expect(page.getByLabel('Password')).toHaveValue(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
});
