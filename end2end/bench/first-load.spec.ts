import { test, expect, type BrowserContext, type Page } from '@playwright/test';

// What a person's browser downloads to use the API Keys page: a cold load
// (empty cache), a warm one (second visit), and the time until Add opens
// on a slow mobile network. Every figure is printed; none is asserted.

const PAGE = '/settings/api-keys';

async function signUp(context: BrowserContext, email: string) {
  const answer = await context.request.post('/api/auth/signup', {
    form: { 'input[email]': email, 'input[password]': 'benchmark password', 'input[organization]': 'Bench' },
  });
  expect(answer.ok()).toBeTruthy();
}

/** Loads the page until Add has opened its dialog; bytes on the wire per resource. */
async function load(page: Page, throttled = false) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  if (throttled) {
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 150,
      downloadThroughput: (1.6 * 1024 * 1024) / 8,
      uploadThroughput: (750 * 1024) / 8,
    });
  }
  const urls = new Map<string, string>();
  const bytes = new Map<string, number>();
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, new URL(e.response.url).pathname));
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId) ?? e.requestId;
    bytes.set(url, (bytes.get(url) ?? 0) + e.encodedDataLength);
  });
  const start = Date.now();
  await page.goto(PAGE);
  await page.locator('body[data-hydrated]').waitFor();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('dialog').waitFor();
  const ms = Date.now() - start;
  await cdp.detach();
  return { ms, bytes };
}

function report(label: string, run: { ms: number; bytes: Map<string, number> }) {
  const total = [...run.bytes.values()].reduce((a, b) => a + b, 0);
  const parts = [...run.bytes.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([url, n]) => `${url.replace(/^\/pkg\//, '')} ${(n / 1024).toFixed(1)}`)
    .join(', ');
  console.log(`${label}: ${(total / 1024).toFixed(1)} KiB in ${run.ms} ms (${parts})`);
}

test('first load of the API Keys page', async ({ browser }) => {
  const context = await browser.newContext();
  await signUp(context, `first-load-${Date.now()}@example.com`);
  const page = await context.newPage();
  report('cold load until Add opens', await load(page));
  const warm = await context.newPage();
  report('warm load until Add opens', await load(warm));
  await context.close();

  const slow = await browser.newContext();
  await signUp(slow, `slow-load-${Date.now()}@example.com`);
  report('cold load, 1.6 Mbit/s and 150 ms latency', await load(await slow.newPage(), true));
  await slow.close();
});
