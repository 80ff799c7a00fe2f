import Retell from 'retell-sdk';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { test, expect, openApiKeys, addKey, uniqueName, keyRow, expectAccessible } from './fixtures';

// Settings > Public Keys: Add (a bad domain refused beside its field),
// Copy, Edit and Delete, with axe on the page and each dialog; and the key
// used from web pages served on two loopback ports: the allowed one's
// `fetch` creates a web call, the other's is refused by the browser's own
// CORS check; the key on another route is refused.

// A bad domain is the server's answer: the browser logs its 422.
test.use({ expectedConsoleErrors: [/status of 422/] });

/** A web page on `localhost:<port>`: the site a public key is for. */
async function site(): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Shop</title><h1>Shop</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** What a page on `origin` gets from `fetch` with the public key. */
async function webCallFrom(page: Page, origin: string, apiBase: string, key: string, agentId: string) {
  await page.goto(`${origin}/`);
  return page.evaluate(
    async ({ url, key, agentId }) => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ agent_id: agentId }),
        });
        return { status: response.status, body: await response.json() };
      } catch (err) {
        return { error: String(err) };
      }
    },
    { url: `${apiBase}/v3/create-web-call`, key, agentId },
  );
}

test('a public key starts web calls from its allowed origin only; edit and delete it', async ({ page, context, baseURL }) => {
  // The whole life of a key, and a wait for its use to be written.
  test.setTimeout(90_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openApiKeys(page);
  const secret = await addKey(page, uniqueName('Server'));
  const retell = new Retell({ apiKey: secret, baseURL: baseURL!, maxRetries: 0 });
  const agent = await retell.agent.create({
    response_engine: { type: 'retell-llm', llm_id: 'llm_1' },
    voice_id: '11labs-Adrian',
  });
  const [allowed, other] = [await site(), await site()];
  const shop = await context.newPage();
  try {
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Public Keys' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Public Keys' })).toBeVisible();
    await page.locator('body[data-hydrated]').waitFor();
    await expect(page.getByText('No public keys yet.')).toBeVisible();
    await expectAccessible(page);

    // Add: a URL is not a domain, and the error says which line.
    const name = uniqueName('Shop');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const add = page.getByRole('dialog', { name: 'Add public key' });
    await add.getByRole('textbox', { name: 'Name' }).fill(name);
    const domains = add.getByRole('textbox', { name: 'Allowed domains' });
    await domains.fill(`https://shop.example/\nlocalhost:${allowed.port}`);
    await expectAccessible(page);
    await add.getByRole('button', { name: 'Create' }).click();
    await expect(add.getByText('Not a domain: https://shop.example/.', { exact: false })).toBeVisible();
    await expect(domains).toHaveAttribute('aria-invalid', 'true');
    await domains.fill(`localhost:${allowed.port}`);
    await add.getByRole('button', { name: 'Create' }).click();
    await expect(add).toBeHidden();
    await expect(page.getByRole('status').first()).toHaveText(`Created public key ${name}.`);
    const row = keyRow(page, name);
    await expect(row).toContainText(`localhost:${allowed.port}`);
    await expect(row).toContainText('Any agent');
    const key = (await row.locator('code').first().textContent()) ?? '';
    expect(key).toMatch(/^pk_[A-Za-z0-9]{38}$/);
    await row.getByRole('button', { name: `Copy ${name}` }).click();
    await expect(page.getByRole('status').first()).toHaveText('Copied the public key to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    await expectAccessible(page);

    // From the allowed origin, the browser's fetch creates a web call.
    const made = await webCallFrom(shop, `http://localhost:${allowed.port}`, baseURL!, key, agent.agent_id);
    expect(made.status).toBe(200);
    expect(made.body.call_type).toBe('web_call');
    expect(made.body.agent_id).toBe(agent.agent_id);
    // From another port, the browser itself refuses to hand over the answer.
    const refused = await webCallFrom(shop, `http://localhost:${other.port}`, baseURL!, key, agent.agent_id);
    expect(refused.error).toContain('TypeError');
    // Any other route is refused, whoever asks.
    const info = await page.request.get('/get-api-key-info', {
      headers: { Authorization: `Bearer ${key}`, Origin: `http://localhost:${allowed.port}` },
    });
    expect(info.status()).toBe(403);
    expect((await info.json()).error.message).toBe('Public keys can only create web calls.');

    // Edit: the other port instead.
    await row.getByRole('button', { name: `Edit ${name}` }).click();
    const edit = page.getByRole('dialog', { name: 'Edit public key' });
    await expect(edit.getByRole('textbox', { name: 'Allowed domains' })).toHaveValue(`localhost:${allowed.port}`);
    await expect(edit.getByRole('textbox', { name: 'Web calls per minute' })).toHaveValue('60');
    await expectAccessible(page);
    await edit.getByRole('textbox', { name: 'Allowed domains' }).fill(`localhost:${other.port}`);
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toBeHidden();
    await expect(page.getByRole('status').first()).toHaveText(`Saved ${name}.`);
    await expect(row).toContainText(`localhost:${other.port}`);
    expect((await webCallFrom(shop, `http://localhost:${other.port}`, baseURL!, key, agent.agent_id)).status).toBe(200);
    expect((await webCallFrom(shop, `http://localhost:${allowed.port}`, baseURL!, key, agent.agent_id)).error).toContain('TypeError');

    // Agents: listing another agent refuses this one, and the page can read why.
    await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
    await edit.getByRole('textbox', { name: 'Agents' }).fill('agent_front_desk');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect(edit).toBeHidden();
    await expect(page.getByRole('button', { name: `Edit ${name}` })).toBeFocused();
    await expect(keyRow(page, name)).toContainText('agent_front_desk');
    const notListed = await webCallFrom(shop, `http://localhost:${other.port}`, baseURL!, key, agent.agent_id);
    expect(notListed.status).toBe(403);
    expect(notListed.body.error.field).toBe('agent_id');
    expect(notListed.body.error.message).toBe(`This public key cannot start calls with agent ${agent.agent_id}.`);

    // Usage shows once the server has written it (every few seconds).
    await expect(async () => {
      await page.reload();
      await expect(keyRow(page, name)).toContainText(/[1-9]\d* web calls in 30 days, [1-9]\d* refused/, { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await page.locator('body[data-hydrated]').waitFor();

    // Delete: asks first, Escape keeps it; Delete removes it, and its web
    // calls stop.
    await keyRow(page, name).getByRole('button', { name: `Delete ${name}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete public key' });
    await expect(confirm).toContainText(`Delete ${name}?`);
    await expectAccessible(page);
    await page.keyboard.press('Escape');
    await expect(confirm).toBeHidden();
    await keyRow(page, name).getByRole('button', { name: `Delete ${name}` }).click();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(confirm).toBeHidden();
    await expect(page.getByRole('status').first()).toHaveText(`Deleted ${name}.`);
    await expect(keyRow(page, name)).toHaveCount(0);
    expect((await webCallFrom(shop, `http://localhost:${other.port}`, baseURL!, key, agent.agent_id)).error).toContain('TypeError');
  } finally {
    allowed.server.close();
    other.server.close();
  }
});
