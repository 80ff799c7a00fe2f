import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `make bench`: the first-load measurements, against the same server set-up
// as the suite. They print figures and assert nothing about time.
export default defineConfig({
  ...base,
  testDir: './bench',
  projects: [{ name: 'bench' }],
  workers: 1,
  timeout: 180_000,
  reporter: [['line']],
});
