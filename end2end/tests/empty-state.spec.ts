import { test, expect, openApiKeys, signUp, expectAccessible } from './fixtures';

// Every test signs up its own organization, which starts with no keys.
test('a new organization sees the empty state and can add its first key', async ({ page }) => {
  await openApiKeys(page);
  await expect(page.getByRole('heading', { name: 'No API keys yet' })).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);
  await expectAccessible(page);
});

test('the root and /settings lead to API Keys', async ({ page }) => {
  await signUp(page);
  await page.goto('/');
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await page.goto('/settings');
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API Keys' })).toHaveAttribute(
    'aria-current',
    'page',
  );
});
