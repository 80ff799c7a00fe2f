import Retell from 'retell-sdk';
import { test, expect, openApiKeys, uniqueName, keyRow, SECRET, expectAccessible } from './fixtures';

// **Requests per minute**: set in Add and Edit, refused beside the field,
// shown in the row, and enforced for the official SDK: the 6th request
// within a minute on a limit of 5 gets 429 with Retry-After.

// A bad limit is the server's answer: the browser logs its 422.
test.use({ expectedConsoleErrors: [/status of 422/] });

/** Waits, if need be, for a minute with at least `secs` seconds left. */
async function roomInThisMinute(secs: number) {
  const left = 60 - (Math.floor(Date.now() / 1000) % 60);
  if (left < secs) await new Promise((r) => setTimeout(r, (left + 1) * 1000));
}

test('the 6th request within a minute on a limit of 5 gets 429 with Retry-After', async ({ page, baseURL }) => {
  await openApiKeys(page);
  const name = uniqueName('Metered');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add API key' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
  const limit = dialog.getByRole('textbox', { name: 'Requests per minute' });
  await limit.fill('0');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(
    dialog.getByText('Enter a whole number from 1 to 1,000,000, or leave it empty for no limit.'),
  ).toBeVisible();
  await expect(limit).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);

  await limit.fill('5');
  await dialog.getByRole('button', { name: 'Create' }).click();
  const reveal = page.getByRole('dialog', { name: 'Your new API key' });
  const secret = (await reveal.locator('#new-key-secret').textContent()) ?? '';
  expect(secret).toMatch(SECRET);
  await reveal.getByRole('button', { name: 'Done' }).click();
  await expect(keyRow(page, name)).toContainText('5 requests a minute');

  await roomInThisMinute(20);
  const retell = new Retell({ apiKey: secret, baseURL: baseURL!, maxRetries: 0 });
  for (let n = 1; n <= 5; n++) {
    const { response } = await retell.agent.list().withResponse();
    expect(response.headers.get('ratelimit-policy')).toBe('"per-minute";q=5;w=60');
    expect(response.headers.get('ratelimit')).toMatch(new RegExp(`^"per-minute";r=${5 - n};t=\\d+$`));
  }
  const refused = await retell.agent.list().catch((err) => err);
  expect(refused).toBeInstanceOf(Retell.RateLimitError);
  expect(String(refused.message)).toContain('This API key is over its limit of 5 requests a minute.');
  const retryAfter = Number(refused.headers?.get?.('retry-after') ?? refused.headers?.['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);

  // Raised in Edit, the next request goes through.
  await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
  const edit = page.getByRole('dialog', { name: 'Edit API key' });
  const editLimit = edit.getByRole('textbox', { name: 'Requests per minute' });
  await expect(editLimit).toHaveValue('5');
  await editLimit.fill('1,000');
  await edit.getByRole('button', { name: 'Save' }).click();
  await expect(edit).toBeHidden();
  await expect(keyRow(page, name)).toContainText('1,000 requests a minute');
  await expect(retell.agent.list()).resolves.toBeTruthy();
});
