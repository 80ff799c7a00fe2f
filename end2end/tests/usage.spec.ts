import Retell from 'retell-sdk';
import { test, expect, openApiKeys, hydrated, uniqueName, keyRow, addKey, expectAccessible } from './fixtures';

// A key used through the official SDK for History → Read only: its row
// charts the requests, and its Edit dialog offers to restrict it to that.
test('a key is restricted to what it used, from its Edit dialog', async ({ page, baseURL }) => {
  await openApiKeys(page);
  const name = uniqueName('Usage');
  const secret = await addKey(page, name);
  const row = keyRow(page, name);
  await expect(row.getByRole('img', { name: 'Requests in the last 30 days: 0' })).toBeVisible();

  const retell = new Retell({ apiKey: secret, baseURL, maxRetries: 0 });
  await retell.call.list();
  await retell.call.list();
  // Uses are written in batches (every few seconds): reload until they show.
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await expect(row.getByRole('img', { name: 'Requests in the last 30 days: 2' })).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expectAccessible(page);

  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit API key' });
  await expect(dialog).toContainText('Used in the last 30 days: History → Read');
  await expectAccessible(page);
  await dialog.getByRole('button', { name: 'Restrict to what it used' }).click();
  await expect(dialog.getByRole('switch', { name: 'Restrict permissions' })).toBeChecked();
  await expect(dialog.getByRole('radiogroup', { name: 'History' }).getByRole('radio', { name: 'Read', exact: true })).toBeChecked();
  await expect(dialog.getByRole('radiogroup', { name: 'Agent' }).getByRole('radio', { name: 'No Access', exact: true })).toBeChecked();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('History: Read');

  // The audit log has the change, with its before and after.
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Audit log' }).click();
  const change = page.getByRole('row').filter({ hasText: 'Restrictions changed' });
  await expect(change).toContainText(name);
  await expect(change).toContainText('Full access → History: Read');
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API Keys' }).click();
  await expect(row).toContainText('History: Read');

  // What the restriction now refuses is shown apart.
  await expect(retell.agent.list()).rejects.toBeInstanceOf(Retell.PermissionDeniedError);
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    await row.getByRole('button', { name: `Edit ${name}` }).click();
    await expect(page.getByRole('dialog', { name: 'Edit API key' })).toContainText('Refused: Agent → Read, 1 time', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
});
