import { defineConfig } from '@playwright/test';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { SCANNING_KEYS_FILE, SCANNING_KEY_ID, SCANNING_SIGNER_FILE } from './scanning';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// `make test` builds the release server and picks a free port; this file
// starts that server on a throwaway SQLite database for the run.
const port = Number(process.env.KEYWARD_E2E_PORT ?? 3100);
const root = resolve(__dirname, '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
const server = process.env.KEYWARD_BIN ?? join(targetDir, 'release', 'keyward');
// Workers load this file too; they inherit the main process's folder.
const dataDir = process.env.KEYWARD_E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'keyward-e2e-'));
process.env.KEYWARD_E2E_DATA_DIR = dataDir;

// GitHub's side of secret scanning, made for this run: the server verifies
// reports with the public key; `reportLeak` (fixtures) signs with the
// private one. Made once, by the first process to load this file.
const scanningKeys = join(dataDir, SCANNING_KEYS_FILE);
const scanningSigner = join(dataDir, SCANNING_SIGNER_FILE);
if (!existsSync(scanningKeys)) {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(scanningSigner, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const key = publicKey.export({ type: 'spki', format: 'pem' });
  writeFileSync(scanningKeys, JSON.stringify({ public_keys: [{ key_identifier: SCANNING_KEY_ID, key, is_current: true }] }));
}

export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  globalTeardown: './global-teardown.ts',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
  },
  // Every test signs up its own account, so tests never see each other's keys.
  // The leak scan runs last, over everything the others left behind.
  projects: [
    { name: 'chromium', testIgnore: /leak-scan/ },
    { name: 'leak-scan', testMatch: /leak-scan/, dependencies: ['chromium'] },
  ],
  webServer: {
    // The log goes to a file in the data folder, for the leak scan.
    command: `sh -c 'exec "${server}" > "${dataDir}/server.log" 2>&1'`,
    cwd: root,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      DATABASE_URL: `sqlite://${dataDir}/keyward.db?mode=rwc`,
      KEYWARD_DATA_DIR: dataDir,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: join(root, 'target', 'site'),
      // Everything the server logs at info, so the leak scan reads it all.
      RUST_LOG: 'info',
      // The test receivers listen on loopback.
      KEYWARD_WEBHOOK_ALLOW_PRIVATE: '1',
      // Every test signs up its own account, all from 127.0.0.1.
      KEYWARD_SIGNUPS_PER_MINUTE: '1000',
      // Plain HTTP on loopback: no `Secure` session cookie.
      KEYWARD_COOKIE_SECURE: '0',
      KEYWARD_SECRET_SCANNING_KEYS: scanningKeys,
    },
  },
});
