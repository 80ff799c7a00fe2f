import {
  test,
  expect,
  openApiKeys,
  hydrated,
  uniqueName,
  keyRow,
  addKey,
  expectAccessible,
  setKeyTime,
  keyInfo,
  pageDate,
  SECRET,
} from './fixtures';
import type { Page } from '@playwright/test';

const DAY = 24 * 60 * 60 * 1000;

/** `YYYY-MM-DD`, `days` from today in UTC. */
function isoDay(days: number) {
  return new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
}

async function rollKey(page: Page, name: string, grace: 'Now' | 'In 1 hour' | 'In 24 hours' | 'In 7 days') {
  await keyRow(page, name).getByRole('button', { name: `Roll ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Roll API key' });
  await dialog.getByRole('combobox', { name: 'Old key stops working' }).selectOption({ label: grace });
  await dialog.getByRole('button', { name: 'Roll', exact: true }).click();
  const reveal = page.getByRole('dialog', { name: 'Your new secret' });
  const secret = (await reveal.locator('#new-key-secret').textContent()) ?? '';
  expect(secret).toMatch(SECRET);
  await reveal.getByRole('button', { name: 'Done' }).click();
  await expect(reveal).toBeHidden();
  return secret;
}

test.describe('Key lifecycle', () => {
  test('a key can expire on a date, and the list says when', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Dated');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add API key' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
    const expires = dialog.getByRole('combobox', { name: 'Expires' });
    await expect(expires).toHaveValue('never');
    await expect(dialog.getByLabel('Expiry date')).toBeHidden();
    await expires.selectOption({ label: 'On a date' });
    const day = isoDay(40);
    await dialog.getByLabel('Expiry date').fill(day);
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('dialog', { name: 'Your new API key' }).getByRole('button', { name: 'Done' }).click();
    const expected = `Expires ${pageDate(new Date(`${day}T00:00:00Z`))} 00:00 UTC`;
    await expect(keyRow(page, name)).toContainText(expected);
    await page.reload();
    await expect(keyRow(page, name)).toContainText(expected);

    // Editing keeps the expiry unless another is chosen.
    await hydrated(page);
    await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
    const edit = page.getByRole('dialog', { name: 'Edit API key' });
    await expect(edit.getByRole('combobox', { name: 'Expires' })).toHaveValue('keep');
    // "On a date" starts from the key's own date.
    await edit.getByRole('combobox', { name: 'Expires' }).selectOption({ label: 'On a date' });
    await expect(edit.getByLabel('Expiry date')).toHaveValue(day);
    await edit.getByRole('combobox', { name: 'Expires' }).selectOption({ label: 'In 7 days' });
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(keyRow(page, name)).toContainText(`Expires ${pageDate(new Date(Date.now() + 7 * DAY))}`);
  });

  test.describe('refused on the server', () => {
  // The browser logs the refusal (a 422) as a failed resource load.
  test.use({ expectedConsoleErrors: [/status of 422/] });
  test('a date that has passed is refused next to the field', async ({ page }) => {
    await openApiKeys(page);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add API key' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill(uniqueName('Too late'));
    await dialog.getByRole('combobox', { name: 'Expires' }).selectOption({ label: 'On a date' });
    const date = dialog.getByLabel('Expiry date');
    await date.fill(isoDay(-1));
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(dialog.getByRole('alert')).toContainText('Choose a date after today (UTC)');
    await expect(date).toHaveAttribute('aria-invalid', 'true');
    await expect(date).toHaveAccessibleDescription(/after today/);
    await expectAccessible(page);
    await expect(page.getByRole('dialog', { name: 'Your new API key' })).toHaveCount(0);
  });
  });

  test('an expired key is marked Expired and the API refuses it', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Short-lived');
    const secret = await addKey(page, name);
    // The clock is moved by editing the row behind the server's back, so
    // the key is not used before: the server's key cache would still hold
    // the row as it was. (A cached key expiring on time is a Rust test.)
    setKeyTime(name, 'expires_at', new Date(Date.now() - 60_000));
    await page.reload();
    await hydrated(page);
    const row = keyRow(page, name);
    await expect(row.getByText('Expired', { exact: true })).toBeVisible();
    await expect(row).toContainText('Expired ');
    const answer = await keyInfo(page, secret);
    expect(answer.status).toBe(401);
    expect(answer.body.error.message).toContain('expired on');
  });

  test('rolling with In 1 hour keeps both secrets working', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Rolled slowly');
    const first = await addKey(page, name, { History: 'Read' });

    await keyRow(page, name).getByRole('button', { name: `Roll ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Roll API key' });
    await expect(dialog.getByRole('combobox', { name: 'Old key stops working' })).toBeFocused();
    await expectAccessible(page);
    // Escape closes it without rolling.
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    expect((await keyInfo(page, first)).status).toBe(200);

    const second = await rollKey(page, name, 'In 1 hour');
    expect(second).not.toBe(first);
    const row = keyRow(page, name);
    await expect(row).toContainText('Previous secret works until');
    await expect(row).toContainText('History: Read');
    await expect(row).toContainText(second.slice(-4));
    for (const secret of [first, second]) {
      const answer = await keyInfo(page, secret);
      expect(answer.status).toBe(200);
      expect(answer.body.api_key_name).toBe(name);
    }
    expect(await page.content()).not.toContain(second);
  });

  test('rolling with Now refuses the old secret at once', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Compromised');
    const old = await addKey(page, name);
    const fresh = await rollKey(page, name, 'Now');
    await expect(page.getByRole('status').first()).toContainText(`Rolled “${name}”.`);
    await expect(keyRow(page, name)).not.toContainText('Previous secret works until');
    const refused = await keyInfo(page, old);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('rolled');
    expect((await keyInfo(page, fresh)).status).toBe(200);
  });

  test('the webhook key cannot be deleted: its trash icon explains why', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Signer');
    await addKey(page, name);
    await keyRow(page, name).getByRole('button', { name: 'Set as Webhook Key' }).click();
    await expect(keyRow(page, name).getByText('Webhook', { exact: true })).toBeVisible();
    await keyRow(page, name).getByRole('button', { name: `Delete ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete API key' });
    await expect(dialog).toContainText('is your webhook key, so it cannot be deleted.');
    await expect(dialog).toContainText('To delete this key, first set another key as the webhook key. To replace its secret instead, roll it.');
    await expect(dialog.getByRole('button', { name: 'Delete' })).toHaveCount(0);
    await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
    await expectAccessible(page);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(keyRow(page, name)).toBeVisible();
  });

  test('the Webhooks page says the previous secret signs during a roll', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Hook signer');
    await addKey(page, name);
    await keyRow(page, name).getByRole('button', { name: 'Set as Webhook Key' }).click();
    await expect(keyRow(page, name).getByText('Webhook', { exact: true })).toBeVisible();
    await rollKey(page, name, 'In 24 hours');
    await page.goto('/settings/webhooks');
    await hydrated(page);
    await expect(page.getByText(`Deliveries are signed with the previous secret of “${name}”`)).toBeVisible();
    await expect(page.getByText(/until .* UTC, then with its new secret/)).toBeVisible();
    await expectAccessible(page);
  });
});
