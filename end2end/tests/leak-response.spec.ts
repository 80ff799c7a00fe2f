import Retell from 'retell-sdk';
import { test, expect, openApiKeys, uniqueName, keyRow, addKey, keyInfo, expectAccessible, hydrated, reportLeak, receiver, SECRET } from './fixtures';

// Leak response: a key GitHub reports is quarantined (the API refuses it,
// the row says Leaked with where and when, the banner counts it) until a
// Roll lifts it; the organization chooses Quarantine it or Delete it.

const FOUND_AT = 'https://github.com/octo/demo/blob/4f2a/config.py';

test('a reported key is quarantined, bannered and marked until a roll lifts it', async ({ page }) => {
  await openApiKeys(page);
  const name = uniqueName('Leaky');
  const secret = await addKey(page, name);
  expect(await reportLeak(page, [secret])).toEqual(['true_positive']);

  const refused = await keyInfo(page, secret);
  expect(refused.status).toBe(401);
  expect(refused.body.error.message).toMatch(/^This API key was reported as leaked on .+; roll it or delete it\.$/);

  await page.reload();
  await hydrated(page);
  // The badge, and under the name when and where it was found.
  await expect(keyRow(page, name).getByText('Leaked', { exact: true })).toBeVisible();
  await expect(keyRow(page, name)).toContainText(`found at ${FOUND_AT}`);
  const banner = page.getByRole('note', { name: 'Keys that need attention' });
  const link = banner.getByRole('link', { name: '1 key was reported leaked' });
  await expect(link).toBeVisible();
  await expect(banner).toContainText(name);
  await link.click();
  await expect(page).toHaveURL(/#key-\d+$/);
  await expectAccessible(page);

  // Roll: a new secret that works, and the leaked one never again: the
  // dialog offers no grace period.
  await keyRow(page, name).getByRole('button', { name: `Roll ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Roll API key' });
  await expect(dialog.getByRole('combobox', { name: 'Old key stops working' }).locator('option')).toHaveText(['Now']);
  await expect(dialog.getByRole('combobox', { name: 'Old key stops working' })).toHaveAccessibleDescription(/reported leaked/);
  await expectAccessible(page);
  await dialog.getByRole('button', { name: 'Roll', exact: true }).click();
  const reveal = page.getByRole('dialog', { name: 'Your new secret' });
  const rolled = (await reveal.locator('#new-key-secret').textContent()) ?? '';
  expect(rolled).toMatch(SECRET);
  await reveal.getByRole('button', { name: 'Done' }).click();
  await expect(keyRow(page, name).getByText('Leaked', { exact: true })).toHaveCount(0);
  await expect(banner).toHaveCount(0);
  expect((await keyInfo(page, rolled)).status).toBe(200);
  expect((await keyInfo(page, secret)).status).toBe(401);
});

test('the banner counts keys that expire within 7 days and links to them', async ({ page }) => {
  await openApiKeys(page);
  const name = uniqueName('Soon');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const add = page.getByRole('dialog', { name: 'Add API key' });
  await add.getByRole('textbox', { name: 'Name' }).fill(name);
  await add.getByRole('combobox', { name: 'Expires' }).selectOption({ label: 'In 7 days' });
  await add.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('dialog', { name: 'Your new API key' }).getByRole('button', { name: 'Done' }).click();
  const banner = page.getByRole('note', { name: 'Keys that need attention' });
  await expect(banner.getByRole('link', { name: '1 key expires within 7 days' })).toBeVisible();
  await expect(banner).toContainText(name);
});

test('an Admin chooses Delete it, and a reported key is then deleted', async ({ page }) => {
  await openApiKeys(page);
  const setting = page.getByRole('group', { name: 'When a key is reported leaked' });
  await expect(setting.getByRole('radio', { name: 'Quarantine it' })).toBeChecked();
  await setting.getByRole('radio', { name: 'Delete it' }).check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\/settings\/api-keys/);
  await hydrated(page);
  await expect(setting.getByRole('radio', { name: 'Delete it' })).toBeChecked();
  await expectAccessible(page);

  const name = uniqueName('Doomed');
  const secret = await addKey(page, name);
  expect(await reportLeak(page, [secret])).toEqual(['true_positive']);
  await page.reload();
  await hydrated(page);
  await expect(keyRow(page, name)).toHaveCount(0);
  expect((await keyInfo(page, secret)).status).toBe(401);
  await page.goto('/settings/audit-log');
  await expect(page.getByRole('row').filter({ hasText: 'Reported leaked' }).first()).toContainText('GitHub secret scanning');
});

test('key events pass the official Retell.verify; a leaked webhook key holds them until rolled', async ({ page }) => {
  // An expiry notice waits for the server's next look (every 30 s).
  test.setTimeout(75_000);
  const hook = await receiver();
  try {
    await openApiKeys(page);
    const call = async (path: string, data: unknown) => {
      const response = await page.request.post(path, { data });
      expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
      return response.json();
    };
    const saved = await page.request.post('/api/webhooks/save-url', { form: { url: hook.url } });
    expect(saved.status()).toBe(200);
    const signer = await call('/api/keys/create', { input: { name: 'Signer', restricted: false } });
    await call('/api/keys/set-webhook', { id: signer.id });

    // The webhook key itself is reported: its key_leaked event waits, and
    // the Webhooks page says why.
    expect(await reportLeak(page, [signer.secret])).toEqual(['true_positive']);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByRole('note')).toContainText('“Signer” was reported leaked on');
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'key_leaked' }) });
    await expect(row).toContainText('not sent: the webhook key was reported leaked', { timeout: 15_000 });
    await expectAccessible(page);
    expect(hook.got).toHaveLength(0);

    // Rolled: the event goes out at once, signed with the new secret.
    const rolled = await call('/api/keys/roll', { id: signer.id, grace: 'one_day' });
    await expect.poll(() => hook.got.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    const leaked = hook.got[0];
    expect(await Retell.verify(leaked.body, rolled.secret, leaked.signature)).toBe(true);
    expect(await Retell.verify(leaked.body, signer.secret, leaked.signature)).toBe(false);
    expect(JSON.parse(leaked.body)).toMatchObject({
      event: 'key_leaked',
      key: { id: signer.id, name: 'Signer', found_at: FOUND_AT, response: 'quarantined' },
    });

    // A key that expires within 7 days is announced once.
    const soon = await call('/api/keys/create', { input: { name: 'Soon', restricted: false, expires: { kind: 'in_days', days: 7 } } });
    await expect.poll(() => hook.got.filter((d) => JSON.parse(d.body).event === 'key_expiring').length, { timeout: 45_000 }).toBe(1);
    const expiring = hook.got.find((d) => JSON.parse(d.body).event === 'key_expiring')!;
    expect(await Retell.verify(expiring.body, rolled.secret, expiring.signature)).toBe(true);
    expect(JSON.parse(expiring.body)).toMatchObject({ key: { id: soon.id, name: 'Soon', within_days: 7 } });
    expect(expiring.body).not.toContain(soon.secret);
  } finally {
    hook.server.close();
  }
});
