import { readFile } from 'node:fs/promises';
import { test, expect, openApiKeys, signUp, hydrated, uniqueName, keyRow, addKey, expectAccessible } from './fixtures';

// A key is created and restricted in the dashboard; the audit log shows
// both, with the restriction's before and after, filters by the key and
// downloads the filtered list as CSV.
test('the audit log shows who changed a key, and downloads as CSV', async ({ page }) => {
  const email = await signUp(page);
  await page.goto('/settings/api-keys');
  await hydrated(page);
  const name = uniqueName('Audited');
  await addKey(page, name);
  const row = keyRow(page, name);
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Edit API key' });
  await dialog.getByRole('switch', { name: 'Restrict permissions' }).check();
  await dialog.getByRole('radiogroup', { name: 'History' }).getByRole('radio', { name: 'Read', exact: true }).check();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(row).toContainText('History: Read');

  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await expect(page).toHaveURL(/\/settings\/audit-log$/);
  const entries = page.getByRole('table', { name: 'Audit log entries, newest first' }).getByRole('row');
  // Header, then newest first: the change, the creation, the sign-up.
  await expect(entries).toHaveCount(4);
  await expect(entries.nth(1)).toContainText('Restrictions changed');
  await expect(entries.nth(1)).toContainText('Full access → History: Read');
  await expect(entries.nth(1)).toContainText(email);
  await expect(entries.nth(2)).toContainText('Key created');
  await expect(entries.nth(2)).toContainText(name);
  await expect(entries.nth(3)).toContainText('Signed in');
  await expectAccessible(page);

  // Only this key's entries.
  await page.getByRole('combobox', { name: 'Key' }).selectOption({ label: name });
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/\?key=\d+$/);
  await hydrated(page);
  await expect(entries).toHaveCount(3);
  await expect(page.getByRole('combobox', { name: 'Key' })).toHaveValue(/\d+/);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('audit-log.csv');
  const csv = (await readFile(await download.path())).toString('utf8').trim().split('\r\n');
  expect(csv[0]).toBe('Time (UTC),Who,What,Key,Details,Client address');
  expect(csv).toHaveLength(3);
  expect(csv[1]).toContain(`,${email},Restrictions changed,${name},Full access → History: Read,127.0.0.1`);
  expect(csv[2]).toContain(`,Key created,${name},`);
});

// Fifty entries a page, newest first: Next and Previous move between them.
test('the audit log pages fifty entries at a time', async ({ page }) => {
  await openApiKeys(page);
  const name = uniqueName('Renamed');
  await addKey(page, name);
  const list = await page.request.post('/api/keys/list', { data: {} });
  const id = (await list.json()).keys.find((k: { name: string }) => k.name === name).id;
  // 55 renames: with the creation and the sign-up, 57 entries.
  for (let i = 1; i <= 55; i++) {
    const response = await page.request.post('/api/keys/update', {
      data: { id, input: { name: `${name} v${i}`, restricted: false } },
    });
    expect(response.status()).toBe(200);
  }
  await page.goto('/settings/audit-log');
  await hydrated(page);
  const entries = page.getByRole('table', { name: 'Audit log entries, newest first' }).getByRole('row');
  await expect(entries).toHaveCount(51);
  await expect(entries.nth(1)).toContainText(`“${name} v54” → “${name} v55”`);
  const pages = page.getByRole('navigation', { name: 'Audit log pages' });
  await expect(pages.getByRole('link', { name: 'Previous' })).toHaveCount(0);
  await pages.getByRole('link', { name: 'Next' }).click();
  await expect(entries).toHaveCount(8);
  await expect(entries.nth(1)).toContainText(`“${name} v4” → “${name} v5”`);
  await expect(entries.nth(7)).toContainText('Signed in');
  await expect(pages.getByRole('link', { name: 'Next' })).toHaveCount(0);
  await expectAccessible(page);
  await pages.getByRole('link', { name: 'Previous' }).click();
  await expect(entries).toHaveCount(51);
  await expect(entries.nth(1)).toContainText(`v55”`);
});

// The log is placed as HTML the server rendered: what people typed into a
// key's name is text in it, never markup; so is the API Keys page's list,
// also HTML from the server, placed after each change.
test('a key name with markup shows as text in the audit log', async ({ page }) => {
  await openApiKeys(page);
  const name = `<img src="/x.png" onerror="window.__audited = 1"> ${uniqueName('Markup')}`;
  await addKey(page, name);
  // The key list is server-rendered HTML too, put in place after the change.
  await expect(keyRow(page, name)).toBeVisible();
  await expect(page.locator('.key-list img')).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Audit log' }).click();
  const log = page.getByRole('table', { name: 'Audit log entries, newest first' });
  await expect(log.getByRole('cell', { name })).toBeVisible();
  await expect(page.locator('.audit img')).toHaveCount(0);
  await page.reload();
  await hydrated(page);
  await expect(log.getByRole('cell', { name })).toBeVisible();
  await expect(page.locator('.audit img')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __audited?: number }).__audited)).toBeUndefined();
  await expectAccessible(page);
});
