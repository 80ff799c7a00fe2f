import { test, expect, openApiKeys } from './fixtures';

// The first load: the WASM, JS and CSS go out precompressed under
// content-hashed names that may be cached for good, and the page itself
// goes out compressed but never cached. Headers, not timings.

test('the bundle is served compressed, content-hashed and immutable', async ({ page }) => {
  await openApiKeys(page);
  const wasm = await page.locator('link[rel="preload"][as="fetch"]').getAttribute('href');
  const js = await page.locator('link[rel="modulepreload"]').getAttribute('href');
  const css = await page.locator('link[rel="stylesheet"]').first().getAttribute('href');
  for (const [href, kind] of [
    [wasm, 'wasm'],
    [js, 'js'],
    [css, 'css'],
  ] as const) {
    expect(href, kind).toMatch(new RegExp(`^/pkg/keyward\\.[\\w-]+\\.${kind}$`));
    for (const encoding of ['br', 'gzip']) {
      const answer = await page.request.get(href!, { headers: { 'Accept-Encoding': encoding } });
      expect(answer.status(), `${href} ${encoding}`).toBe(200);
      expect(answer.headers()['content-encoding'], `${href} ${encoding}`).toBe(encoding);
      expect(answer.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
    }
  }
  // Without Accept-Encoding, the file itself.
  const plain = await page.request.get(wasm!, { headers: { 'Accept-Encoding': 'identity' } });
  expect(plain.headers()['content-encoding']).toBeUndefined();
  expect((await plain.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));

  const html = await page.request.get('/settings/api-keys', { headers: { 'Accept-Encoding': 'br' } });
  expect(html.headers()['content-encoding']).toBe('br');
  expect(html.headers()['cache-control']).toBe('no-store');
});

// Revalidated files would come back as 304s over the network; immutable
// ones come from the cache.
test('a second visit downloads no WASM', async ({ page }) => {
  await openApiKeys(page);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const fromNetwork: string[] = [];
  cdp.on('Network.responseReceived', (e) => {
    if (e.response.url.endsWith('.wasm') && !e.response.fromDiskCache && !e.response.fromPrefetchCache)
      fromNetwork.push(e.response.url);
  });
  await page.goto('/settings/api-keys');
  await page.locator('body[data-hydrated]').waitFor();
  expect(fromNetwork, 'WASM fetched again over the network').toEqual([]);
});
