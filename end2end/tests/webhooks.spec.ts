import Retell from 'retell-sdk';
import type { APIRequestContext } from '@playwright/test';
import { test, expect, hydrated, openApiKeys, addKey, keyRow, expectAccessible, uniqueEmail, PASSWORD, holdNextAnswer, signUp, openBeforeItsCode, receiver } from './fixtures';

async function post(request: APIRequestContext, path: string, data: unknown) {
  const response = await request.post(path, { data });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return response.json();
}

/** For the server functions that take a form (their pages work before hydration). */
async function postForm(request: APIRequestContext, path: string, form: Record<string, string>) {
  const response = await request.post(path, { form });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return response.json();
}

test('each delivery passes the official Retell.verify, and a new webhook key takes over', async ({ request, baseURL }) => {
  const hook = await receiver();
  try {
    await postForm(request, '/api/auth/signup', { 'input[email]': uniqueEmail('hooks'), 'input[password]': PASSWORD, 'input[organization]': 'Hooks' });
    await postForm(request, '/api/webhooks/save-url', { url: hook.url });
    const first = await post(request, '/api/keys/create', { input: { name: 'Signer one', restricted: false } });
    await post(request, '/api/keys/set-webhook', { id: first.id });

    // A call created through the API announces itself.
    const retell = new Retell({ apiKey: first.secret, baseURL, maxRetries: 0 });
    const call = await retell.call.createPhoneCall({ from_number: '+14155550100', to_number: '+14155550111' });
    await expect.poll(() => hook.got.length, { timeout: 15_000 }).toBe(1);
    const started = hook.got[0];
    expect(await Retell.verify(started.body, first.secret, started.signature)).toBe(true);
    expect(await Retell.verify(started.body.replace('+14155550111', '+14155550999'), first.secret, started.signature)).toBe(false);
    expect(JSON.parse(started.body)).toMatchObject({ event: 'call_started', call: { call_id: call.call_id } });

    await retell.call.stop(call.call_id);
    await expect.poll(() => hook.got.length, { timeout: 15_000 }).toBe(2);
    expect(JSON.parse(hook.got[1].body).event).toBe('call_ended');
    expect(await Retell.verify(hook.got[1].body, first.secret, hook.got[1].signature)).toBe(true);

    // Another key becomes the webhook key: the next delivery is its alone.
    const second = await post(request, '/api/keys/create', { input: { name: 'Signer two', restricted: false } });
    await post(request, '/api/keys/set-webhook', { id: second.id });
    await post(request, '/api/webhooks/test', {});
    await expect.poll(() => hook.got.length, { timeout: 15_000 }).toBe(3);
    const test3 = hook.got[2];
    expect(JSON.parse(test3.body).event).toBe('test');
    expect(await Retell.verify(test3.body, second.secret, test3.signature)).toBe(true);
    expect(await Retell.verify(test3.body, first.secret, test3.signature)).toBe(false);
  } finally {
    hook.server.close();
  }
});

test('the Webhooks page: URL, no-key warning, test event, log and resend', async ({ page }) => {
  const hook = await receiver();
  try {
    await openApiKeys(page);
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
    await expect(page).toHaveURL(/\/settings\/webhooks$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Webhooks' })).toBeVisible();
    await expect(page.getByRole('note')).toContainText('No webhook key is set, so deliveries are not being sent');
    await expect(page.getByRole('button', { name: 'Send test event' })).toBeDisabled();

    const url = page.getByRole('textbox', { name: 'Webhook URL' });
    await url.fill('ftp://example.com/hook');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(url).toHaveAttribute('aria-invalid', 'true');
    await expect(url).toHaveAccessibleDescription(/must start with https:\/\/ or http:\/\//);
    await expectAccessible(page);

    await url.fill(hook.url);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Webhook URL saved.' })).toBeVisible();
    // After a reload the saved URL is there and a test event can be sent.
    await page.reload();
    await hydrated(page);
    await expect(url).toHaveValue(hook.url);
    await page.getByRole('button', { name: 'Send test event' }).click();
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'test' }) });
    await expect(row).toContainText('not sent: no webhook key', { timeout: 15_000 });
    expect(hook.got).toHaveLength(0);

    // Set a webhook key, come back, resend: now it goes out, signed.
    await page.getByRole('link', { name: 'API Keys' }).first().click();
    await hydrated(page);
    await addKey(page, 'Webhook signer');
    await keyRow(page, 'Webhook signer').getByRole('button', { name: 'Set as Webhook Key' }).click();
    await expect(keyRow(page, 'Webhook signer').getByText('Webhook', { exact: true })).toBeVisible();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
    await expect(page.getByText('Deliveries are signed with “Webhook signer”, your webhook key.')).toBeVisible();
    await page.getByRole('button', { name: /^Resend test delivery/ }).click();
    await expect(row).toContainText('Delivered', { timeout: 15_000 });
    await expect(row).toContainText('200');
    expect(hook.got).toHaveLength(1);
    await expectAccessible(page);
  } finally {
    hook.server.close();
  }
});

test('the Webhooks page arrives with its data, then keeps it current', async ({ page }) => {
  await openApiKeys(page);
  const loads: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/webhooks/panel') loads.push(r.url());
  });
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Recent deliveries' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Webhook URL' })).toBeVisible();
  await expect(page.getByRole('note')).toContainText('No webhook key is set');
  // The server rendered the page with its data: the browser asked for
  // none. The log refreshes every 2 s; this runs well within the first 2 s.
  expect(loads).toHaveLength(0);
  await hydrated(page);
  await page.waitForRequest((r) => new URL(r.url()).pathname === '/api/webhooks/panel');
});

// The page reads the log every 2 s and again after each change, and those
// reads can come back in any order. What stays on screen is the answer to
// the read asked for last.
test('a poll that comes back late does not hide a newer delivery', async ({ page }) => {
  await openApiKeys(page);
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Webhooks' }).click();
  await hydrated(page);
  // Nothing listens there; with no webhook key nothing is sent anyway.
  await page.getByRole('textbox', { name: 'Webhook URL' }).fill('http://127.0.0.1:9/hook');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Webhook URL saved.' })).toBeVisible();

  // The next read is answered at once, from before the test event, but
  // handed over only when released.
  const overview = '/api/webhooks/panel';
  const late = await holdNextAnswer(page, overview);
  await late.asked;
  await page.getByRole('button', { name: 'Send test event' }).click();
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'test' }) });
  await expect(row).toBeVisible();

  // Release it just after a poll was answered, so that no other answer
  // arrives in the next 2 s to cover up a stale one put in place.
  await page.waitForResponse((r) => new URL(r.url()).pathname === overview);
  late.release();
  await late.delivered;
  // Long enough for the late answer to be put in place, were it used.
  // Counted once, not retried: the next poll would correct the screen.
  await page.waitForTimeout(300);
  expect(await row.count()).toBe(1);
  await late.stop();
});

test('the webhook key cannot be deleted, and its dialog says what to do instead', async ({ page }) => {
  await openApiKeys(page);
  await addKey(page, 'Only signer');
  await keyRow(page, 'Only signer').getByRole('button', { name: 'Set as Webhook Key' }).click();
  await expect(keyRow(page, 'Only signer').getByText('Webhook', { exact: true })).toBeVisible();
  await keyRow(page, 'Only signer').getByRole('button', { name: 'Delete Only signer' }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete API key' });
  await expect(confirm).toHaveAccessibleDescription(/To delete this key, first set another key as the webhook key\. To replace its secret instead, roll it\./);
});

test('a webhook URL typed before the page is live is kept and saved', async ({ page }) => {
  await signUp(page);
  const code = await openBeforeItsCode(page, '/settings/webhooks');
  await page.getByRole('textbox', { name: 'Webhook URL' }).fill('http://127.0.0.1:9/early');
  code.release();
  await hydrated(page);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Webhook URL saved.' })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('textbox', { name: 'Webhook URL' })).toHaveValue('http://127.0.0.1:9/early');

  // Cleared before the code arrives: it stays cleared.
  await page.unrouteAll();
  const again = await openBeforeItsCode(page, '/settings/webhooks');
  await page.getByRole('textbox', { name: 'Webhook URL' }).fill('');
  again.release();
  await hydrated(page);
  await expect(page.getByRole('textbox', { name: 'Webhook URL' })).toHaveValue('');
});
