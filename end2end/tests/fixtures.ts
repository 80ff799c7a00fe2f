import { test as base, expect, type Page, type Locator } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { sign } from 'node:crypto';
import { SCANNING_KEY_ID, SCANNING_SIGNER_FILE } from '../scanning';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Every test fails on a console error, a page error, or a hydration warning. */
export const test = base.extend<{ consoleProblems: string[]; expectedConsoleErrors: RegExp[] }>({
  // A test that provokes an error on purpose names it here.
  expectedConsoleErrors: [[], { option: true }],
  consoleProblems: [
    async ({ page, expectedConsoleErrors }, use) => {
      const problems: string[] = [];
      page.on('console', (msg) => {
        const text = msg.text();
        if (expectedConsoleErrors.some((re) => re.test(text))) return;
        if (msg.type() === 'error' || /hydrat/i.test(text)) problems.push(`${msg.type()}: ${text}`);
      });
      page.on('pageerror', (err) => {
        if (!expectedConsoleErrors.some((re) => re.test(err.message))) problems.push(`pageerror: ${err.message}`);
      });
      // A page that arrives without its own nonce policy cannot run its
      // scripts. Say which answer it was, with its status and headers:
      // this was seen twice and never reproduced, so the next time must
      // tell more than a missing `data-hydrated`.
      page.on('response', (response) => {
        const request = response.request();
        if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
        const headers = response.headers();
        if (!(headers['content-type'] ?? '').startsWith('text/html')) return;
        if (!(headers['content-security-policy'] ?? '').includes("'nonce-")) {
          problems.push(
            `page without its nonce policy: ${request.method()} ${response.url()} -> ${response.status()} ${JSON.stringify(headers)}`,
          );
        }
      });
      await use(problems);
      expect(problems, 'console errors or hydration warnings').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

export const PASSWORD = 'correct horse battery staple';

export function uniqueEmail(label = 'user') {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Signs up a fresh account (its own organization) in this browser context. */
export async function signUp(page: Page, organization = 'Acme Voice') {
  const email = uniqueEmail();
  const response = await page.request.post('/api/auth/signup', {
    form: { 'input[email]': email, 'input[password]': PASSWORD, 'input[organization]': organization },
  });
  expect(response.status()).toBe(200);
  return email;
}

/** Waits until the server-rendered page is hydrated and interactive. */
export async function hydrated(page: Page) {
  await page.locator('body[data-hydrated]').waitFor();
}

/** Signs up a fresh account, opens its API Keys page and waits for hydration. */
export async function openApiKeys(page: Page) {
  await signUp(page);
  await page.goto('/settings/api-keys');
  await page.locator('body[data-hydrated]').waitFor();
  await expect(page.getByRole('heading', { level: 1, name: 'API Keys' })).toBeVisible();
}

/** A name no other key has: rows are found by name (`keyRow`), so one name must not match two. */
export function uniqueName(label: string) {
  return `${label} ${Math.random().toString(36).slice(2, 8)}`;
}

export function keyRow(page: Page, name: string): Locator {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader', { name }) });
}

export const SECRET = /key_[A-Za-z0-9]{38}/;

/** Creates a key through the Add dialog and returns its secret. */
export async function addKey(
  page: Page,
  name: string,
  levels?: Record<string, 'No Access' | 'Read' | 'Edit'>,
): Promise<string> {
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add API key' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
  if (levels) {
    await dialog.getByRole('switch', { name: 'Restrict permissions' }).check();
    for (const [group, level] of Object.entries(levels)) {
      await dialog.getByRole('radiogroup', { name: group }).getByRole('radio', { name: level, exact: true }).check();
    }
  }
  await dialog.getByRole('button', { name: 'Create' }).click();
  const reveal = page.getByRole('dialog', { name: 'Your new API key' });
  const secret = (await reveal.locator('#new-key-secret').textContent()) ?? '';
  expect(secret).toMatch(SECRET);
  await reveal.getByRole('button', { name: 'Done' }).click();
  await expect(reveal).toBeHidden();
  await expect(keyRow(page, name)).toBeVisible();
  return secret;
}

/**
 * Holds back the answer to the next request for `path`: the request is sent
 * to the server at once (so the answer is of that moment) and its answer is
 * handed to the page only on `release()`. `delivered` resolves once it has
 * been. Later requests pass. How a test makes an older read come back after
 * a newer one.
 */
export async function holdNextAnswer(page: Page, path: string) {
  const matches = (url: URL) => url.pathname === path;
  // Made up front: a release asked for before the server has answered
  // (a slow run) must still let the answer through once it arrives.
  let release = () => {};
  const released = new Promise<void>((go) => (release = go));
  let held = true;
  let done = () => {};
  const delivered = new Promise<void>((resolve) => (done = resolve));
  await page.route(matches, async (route) => {
    if (!held) return route.continue();
    held = false;
    const response = await route.fetch();
    await released;
    await route.fulfill({ response });
    done();
  });
  return {
    asked: page.waitForRequest((r) => matches(new URL(r.url()))),
    release: () => release(),
    delivered,
    stop: () => page.unroute(matches),
  };
}

/** axe: no serious or critical violations. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/**
 * Sets a column of a key's row (found by its unique test name) to a UTC
 * instant, straight in the server's SQLite database: how a test makes time
 * pass for one key without a test-only clock in the server.
 */
export function setKeyTime(name: string, column: 'expires_at' | 'previous_secret_until', at: Date) {
  const db = join(process.env.KEYWARD_E2E_DATA_DIR ?? '', 'keyward.db');
  const script = [
    'import sqlite3, sys',
    'con = sqlite3.connect(sys.argv[1], timeout=30)',
    `n = con.execute("UPDATE api_keys SET ${column} = ? WHERE name = ?", (sys.argv[3], sys.argv[2])).rowcount`,
    'con.commit()',
    'sys.exit(0 if n == 1 else 1)',
  ].join('\n');
  execFileSync('python3', ['-c', script, db, name, at.toISOString().replace('Z', '+00:00')]);
}

/** The API's answer to a key: GET /get-api-key-info. */
export async function keyInfo(page: Page, secret: string) {
  const response = await page.request.get('/get-api-key-info', { headers: { Authorization: `Bearer ${secret}` } });
  return { status: response.status(), body: await response.json() };
}

/** A date as the page writes it: `Dec 27, 2026` (UTC). */
export function pageDate(at: Date) {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return `${months[at.getUTCMonth()]} ${at.getUTCDate()}, ${at.getUTCFullYear()}`;
}

/**
 * Holds back every request for the page's code (`/pkg/`) until `release()`:
 * the page is then the server's plain HTML, as it is for a person on a slow
 * line who starts typing before the islands have hydrated.
 */
export async function holdPageCode(page: Page) {
  const matches = (url: URL) => url.pathname.startsWith('/pkg/');
  let release = () => {};
  const released = new Promise<void>((go) => (release = go));
  await page.route(matches, async (route) => {
    await released;
    await route.continue();
  });
  return { release: () => release() };
}

/** Opens `path` while its code is held back: the form can be filled, nothing is live yet. */
export async function openBeforeItsCode(page: Page, path: string) {
  const code = await holdPageCode(page);
  await page.goto(path, { waitUntil: 'commit' });
  await page.locator('form').first().waitFor();
  await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
  return code;
}

/**
 * Reports `secrets` as GitHub secret scanning does, signed with this run's
 * scanning key (see playwright.config.ts); the labels the server gives them.
 */
export async function reportLeak(page: Page, secrets: string[], url = 'https://github.com/octo/demo/blob/4f2a/config.py') {
  const signer = readFileSync(join(process.env.KEYWARD_E2E_DATA_DIR ?? '', SCANNING_SIGNER_FILE), 'utf8');
  const body = JSON.stringify(secrets.map((token) => ({ token, type: 'keyward_api_key', url, source: 'content' })));
  const signature = sign('sha256', Buffer.from(body), signer).toString('base64');
  const response = await page.request.post('/secret-scanning/github', {
    data: body,
    headers: {
      'Content-Type': 'application/json',
      'Github-Public-Key-Identifier': SCANNING_KEY_ID,
      'Github-Public-Key-Signature': signature,
    },
  });
  expect(response.status()).toBe(200);
  return ((await response.json()) as { label: string }[]).map((item) => item.label);
}

export type Delivery = { body: string; signature: string };

/** A webhook receiver on loopback that keeps each raw body and signature. */
export async function receiver(): Promise<{ url: string; got: Delivery[]; server: Server }> {
  const got: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      got.push({ body, signature: String(req.headers['x-retell-signature'] ?? '') });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, server };
}

