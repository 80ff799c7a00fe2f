import Retell from 'retell-sdk';
import { test, expect, openApiKeys, uniqueName, keyRow, SECRET, expectAccessible } from './fixtures';

// **Allowed IP addresses**: set in Add and Edit, refused line by line,
// shown in the row, and enforced for the official SDK, which calls from
// 127.0.0.1 like this browser.

// A bad line is the server's answer: the browser logs its 422.
test.use({ expectedConsoleErrors: [/status of 422/] });

test('a key limited to 10.0.0.0/8 is refused from 127.0.0.1 until it is added', async ({ page, baseURL }) => {
  await openApiKeys(page);
  const name = uniqueName('Office');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add API key' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
  const ips = dialog.getByRole('textbox', { name: 'Allowed IP addresses' });
  await ips.fill('10.0.0.0/8\n10.0.0.300');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog.getByText('Line 2: “10.0.0.300” is not an IP address or CIDR range.')).toBeVisible();
  await expect(ips).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);

  await ips.fill('10.1.2.3/8');
  await dialog.getByRole('button', { name: 'Create' }).click();
  const reveal = page.getByRole('dialog', { name: 'Your new API key' });
  const secret = (await reveal.locator('#new-key-secret').textContent()) ?? '';
  expect(secret).toMatch(SECRET);
  await reveal.getByRole('button', { name: 'Done' }).click();
  await expect(keyRow(page, name)).toContainText('From 10.0.0.0/8');

  const retell = new Retell({ apiKey: secret, baseURL: baseURL!, maxRetries: 0 });
  const refused = await retell.agent.list().catch((err) => err);
  expect(refused).toBeInstanceOf(Retell.PermissionDeniedError);
  expect(String(refused.message)).toContain('This API key cannot be used from 127.0.0.1.');

  await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('dialog', { name: 'Edit API key' });
  const editIps = edit.getByRole('textbox', { name: 'Allowed IP addresses' });
  await expect(editIps).toHaveValue('10.0.0.0/8');
  await editIps.fill('10.0.0.0/8\n127.0.0.1');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(keyRow(page, name)).toContainText('From 2 ranges');

  await expect(retell.agent.list()).resolves.toBeTruthy();
});
