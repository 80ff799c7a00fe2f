// GitHub's side of secret scanning in this run: where the test signing key
// is kept (in the run's data folder) and the identifier it is published
// under. playwright.config.ts makes the pair; `reportLeak` signs with it.
export const SCANNING_KEYS_FILE = 'secret-scanning-keys.json';
export const SCANNING_SIGNER_FILE = 'secret-scanning-signer.pem';
export const SCANNING_KEY_ID = 'e2e';
