import { test, expect, openApiKeys, uniqueName, keyRow, addKey, keyInfo, expectAccessible, hydrated, signUp } from './fixtures';

// **Key policy**: an Admin saves a maximum lifetime and required
// restriction; Add, Edit and Roll then offer only what it allows and the
// server refuses the rest (a 30-day policy refuses Never); keys made
// before it keep working, marked Outside policy until they are edited.

// A refused choice is the server's answer: the browser logs its 422.
test.use({ expectedConsoleErrors: [/status of 422/] });

const THIRTY_DAYS = 'Keys in this organization must expire within 30 days.';

/** Waits for the Expires choices a dialog offers to be `labels` (a row's dialog comes from the server). */
async function expectExpiryChoices(dialog: import('@playwright/test').Locator, labels: string[]) {
  await expect(dialog.getByRole('combobox', { name: 'Expires' }).locator('option')).toHaveText(labels);
}

test('a 30-day policy with required restriction shapes Add, Edit and Roll, and marks older keys', async ({ page }) => {
  await openApiKeys(page);
  const old = uniqueName('Old');
  const oldSecret = await addKey(page, old);

  // The section, as an Admin sees it; saved as a plain form.
  const policy = page.getByRole('region', { name: 'Key policy' });
  const lifetime = policy.getByRole('combobox', { name: 'Maximum key lifetime' });
  await expect(lifetime).toHaveValue('none');
  await expect(lifetime.locator('option')).toHaveText(['No maximum', '30 days', '90 days', '365 days']);
  await lifetime.selectOption({ label: '30 days' });
  await policy.getByRole('switch', { name: 'Require restricted keys' }).check();
  await policy.getByRole('button', { name: 'Save policy' }).click();
  // The page comes back rendered under the new policy: the key made before
  // it is marked, says why, and still works.
  const mark = keyRow(page, old).getByText('Outside policy');
  await expect(mark).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(lifetime).toHaveValue('30');
  await expect(policy.getByRole('switch', { name: 'Require restricted keys' })).toBeChecked();
  await expect(mark).toHaveAttribute(
    'title',
    `${THIRTY_DAYS} Keys in this organization must have restricted permissions: turn on Restrict permissions.`,
  );
  expect((await keyInfo(page, oldSecret)).status).toBe(200);
  await expectAccessible(page);

  // Add: no Never, nothing past 30 days, restriction on and fixed.
  const name = uniqueName('Monthly');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const add = page.getByRole('dialog', { name: 'Add API key' });
  await expectExpiryChoices(add, ['In 7 days', 'In 30 days', 'On a date']);
  await expect(add.getByRole('combobox', { name: 'Expires' })).toHaveValue('30');
  const restrict = add.getByRole('switch', { name: 'Restrict permissions' });
  await expect(restrict).toBeChecked();
  await expect(restrict).toBeDisabled();
  await expect(add.getByText("Your organization's key policy requires restricted keys.")).toBeVisible();
  await add.getByRole('textbox', { name: 'Name' }).fill(name);
  // A date past the limit is refused beside the date.
  await add.getByRole('combobox', { name: 'Expires' }).selectOption({ label: 'On a date' });
  const later = new Date(Date.now() + 45 * 86_400_000).toISOString().slice(0, 10);
  await add.getByLabel('Expiry date').fill(later);
  await add.getByRole('button', { name: 'Create' }).click();
  await expect(add.getByRole('alert').filter({ hasText: THIRTY_DAYS })).toBeVisible();
  await expect(add.getByLabel('Expiry date')).toHaveAccessibleDescription(new RegExp(THIRTY_DAYS));
  await expectAccessible(page);
  await add.getByRole('combobox', { name: 'Expires' }).selectOption({ label: 'In 30 days' });
  await add.getByRole('button', { name: 'Create' }).click();
  const reveal = page.getByRole('dialog', { name: 'Your new API key' });
  await reveal.getByRole('button', { name: 'Done' }).click();
  await expect(keyRow(page, name)).toContainText('Expires');
  await expect(keyRow(page, name).getByText('Outside policy')).toHaveCount(0);

  // Never, sent anyway, is refused by the server naming the field.
  const forged = await page.evaluate(async () => {
    const answer = await fetch('/api/keys/create', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ input: { name: 'forged', restricted: true, expires: { kind: 'never' } } }),
    });
    return { status: answer.status, body: await answer.json() };
  });
  expect(forged.status).toBe(422);
  expect(forged.body).toEqual({ Invalid: { field: 'expires', message: THIRTY_DAYS } });

  // Roll offers the same choices; the old key's Never is not kept.
  await keyRow(page, old).getByRole('button', { name: `Roll ${old}` }).click();
  const roll = page.getByRole('dialog', { name: 'Roll API key' });
  await expectExpiryChoices(roll, ['In 7 days', 'In 30 days', 'On a date']);
  await expectAccessible(page);
  await roll.getByRole('button', { name: 'Cancel' }).click();

  // Edit brings the old key within the policy, and the mark goes.
  await keyRow(page, old).getByRole('button', { name: `Edit ${old}` }).click();
  const edit = page.getByRole('dialog', { name: 'Edit API key' });
  await expectExpiryChoices(edit, ['In 7 days', 'In 30 days', 'On a date']);
  await edit.getByRole('combobox', { name: 'Expires' }).selectOption({ label: 'In 7 days' });
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(keyRow(page, old).getByText('Outside policy')).toHaveCount(0);
  await expect(keyRow(page, old)).toContainText('No access');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the policy saves as a plain form and is in the audit log', async ({ page }) => {
    await signUp(page);
    await page.goto('/settings/api-keys');
    const policy = page.getByRole('region', { name: 'Key policy' });
    await policy.getByRole('combobox', { name: 'Maximum key lifetime' }).selectOption({ label: '90 days' });
    await policy.getByRole('button', { name: 'Save policy' }).click();
    await expect(page).toHaveURL(/\/settings\/api-keys\??$/);
    await expect(policy.getByRole('combobox', { name: 'Maximum key lifetime' })).toHaveValue('90');
    await expect(policy.getByRole('switch', { name: 'Require restricted keys' })).not.toBeChecked();
    await page.goto('/settings/audit-log');
    const rows = page.getByRole('table', { name: 'Audit log entries, newest first' }).getByRole('row');
    await expect(rows.nth(1)).toContainText('Key policy changed');
    await expect(rows.nth(1)).toContainText('Maximum key lifetime: 90 days; restricted keys not required');
  });
});
