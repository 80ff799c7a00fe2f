import { test, expect, uniqueEmail, PASSWORD } from './fixtures';

// Until the WASM has loaded (and here it never does) the sign-up, sign-in and
// webhook URL forms post as plain HTML forms: the server answers with a
// redirect, onwards on success and back with the error on failure.
test.describe('before hydration, as plain HTML forms', () => {
  test.use({ javaScriptEnabled: false });

  test('sign up, sign in and save a webhook URL', async ({ page, browser, baseURL }) => {
    const email = uniqueEmail('nojs');
    await page.goto('/signup');
    await page.getByRole('textbox', { name: 'Email' }).fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('textbox', { name: 'Organization name' }).fill('Plain Forms');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(/\/signup\?/);
    const password = page.getByLabel('Password');
    await expect(password).toHaveAttribute('aria-invalid', 'true');
    await expect(password).toHaveAccessibleDescription(/Use at least 8 characters\./);

    await page.getByRole('textbox', { name: 'Email' }).fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('textbox', { name: 'Organization name' }).fill('Plain Forms');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(/\/settings\/api-keys\??$/);
    await expect(page.getByRole('heading', { level: 1, name: 'API Keys' })).toBeVisible();

    await page.goto('/settings/webhooks');
    const url = page.getByRole('textbox', { name: 'Webhook URL' });
    await url.fill('ftp://example.com/hook');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(url).toHaveAttribute('aria-invalid', 'true');
    await expect(url).toHaveAccessibleDescription(/must start with https:\/\/ or http:\/\//);
    await url.fill('https://example.com/plain-form-hook');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page).toHaveURL(/\/settings\/webhooks\??$/);
    await expect(url).toHaveValue('https://example.com/plain-form-hook');
    await expect(url).not.toHaveAttribute('aria-invalid', 'true');

    // Sign in from a fresh browser: a wrong password comes back with the
    // error; the right one goes where the sign-in was asked for.
    const fresh = await browser.newContext({ javaScriptEnabled: false, baseURL });
    const other = await fresh.newPage();
    await other.goto('/settings/webhooks');
    await expect(other).toHaveURL(/\/login\?next=/);
    await other.getByRole('textbox', { name: 'Email' }).fill(email);
    await other.getByLabel('Password').fill('not the password');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await expect(other.getByRole('alert')).toHaveText('Incorrect email or password.');
    await other.getByRole('textbox', { name: 'Email' }).fill(email);
    await other.getByLabel('Password').fill(PASSWORD);
    await other.getByRole('button', { name: 'Sign in' }).click();
    await expect(other).toHaveURL(/\/settings\/webhooks\??$/);
    await expect(other.getByRole('textbox', { name: 'Webhook URL' })).toHaveValue('https://example.com/plain-form-hook');

    // The audit log is whole without script: the URL saved, the failed
    // sign-in and the sign-in, newest first.
    await other.goto('/settings/audit-log');
    const rows = other.getByRole('table', { name: 'Audit log entries, newest first' }).getByRole('row');
    await expect(rows.nth(1)).toContainText('Signed in');
    await expect(rows.nth(2)).toContainText('Sign-in failed');
    await expect(rows.nth(2)).toContainText('Wrong password');
    await expect(rows.nth(3)).toContainText('Webhook URL changed');
    await expect(rows.nth(3)).toContainText('None → https://example.com/plain-form-hook');
    await fresh.close();
  });

  test('words put in the query by a link are not shown as an error', async ({ page }) => {
    const forged = Buffer.from(JSON.stringify({ Invalid: { field: 'email', message: 'Your account is locked: call +1 555 0100.' } }))
      .toString('base64url');
    await page.goto(`/login?__path=/api/auth/login&__err=${forged}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expect(page.getByText('Your account is locked')).toHaveCount(0);
    await expect(page.getByRole('textbox', { name: 'Email' })).not.toHaveAttribute('aria-invalid', 'true');
  });
});
