import { test, expect, openApiKeys, hydrated, uniqueName, keyRow, addKey, expectAccessible, SECRET, holdNextAnswer } from './fixtures';

test.describe('API Keys', () => {
  test('an unrestricted key shows its secret exactly once', async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await openApiKeys(page);
    const name = uniqueName('Unrestricted');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add API key' });
    await expect(dialog.getByRole('textbox', { name: 'Name' })).toBeFocused();
    await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
    await dialog.getByRole('button', { name: 'Create' }).click();

    const reveal = page.getByRole('dialog', { name: 'Your new API key' });
    const secret = (await reveal.locator('#new-key-secret').textContent()) ?? '';
    expect(secret).toMatch(SECRET);
    await reveal.getByRole('button', { name: 'Copy' }).click();
    await expect(reveal.getByRole('status')).toHaveText('Copied to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await reveal.getByRole('button', { name: 'Done' }).click();

    const row = keyRow(page, name);
    await expect(row).toContainText('Full access');
    await expect(row).toContainText(secret.slice(0, 8));
    await expect(row).toContainText(secret.slice(-4));
    await expect(row).toContainText('Never');
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await expect(keyRow(page, name)).toBeVisible();
    expect(await page.content()).not.toContain(secret);
  });

  test('a restricted key keeps its levels after a reload', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('History reader');
    await addKey(page, name, { History: 'Read', Call: 'Edit', Agent: 'Edit' });
    await page.reload();
    await hydrated(page);
    await expect(keyRow(page, name)).toContainText('Agent: Edit · History: Read · Call: Edit');

    await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit API key' });
    await expect(dialog.getByRole('textbox', { name: 'Name' })).toHaveValue(name);
    await expect(dialog.getByRole('switch', { name: 'Restrict permissions' })).toBeChecked();
    const checked = async (group: string, level: string) =>
      expect(dialog.getByRole('radiogroup', { name: group }).getByRole('radio', { name: level, exact: true })).toBeChecked();
    await checked('History', 'Read');
    await checked('Call', 'Edit');
    await checked('Agent', 'Edit');
    await checked('Testing', 'No Access');
    await checked('Export', 'No Access');
    await checked('Phone', 'No Access');
  });

  test('Export and Call offer No Access or Edit, with a dash for Read', async ({ page }) => {
    await openApiKeys(page);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add API key' });
    await expect(dialog.getByRole('radiogroup')).toHaveCount(0);
    await dialog.getByRole('switch', { name: 'Restrict permissions' }).check();
    for (const group of ['Agent', 'Testing', 'History', 'Phone']) {
      const row = dialog.getByRole('radiogroup', { name: group });
      await expect(row.getByRole('radio')).toHaveCount(3);
      await expect(row.getByRole('radio', { name: 'Read', exact: true })).toBeVisible();
    }
    for (const group of ['Export', 'Call']) {
      const row = dialog.getByRole('radiogroup', { name: group });
      await expect(row.getByRole('radio')).toHaveCount(2);
      await expect(row.getByRole('radio', { name: 'Read', exact: true })).toHaveCount(0);
      await expect(row).toContainText('–');
    }
    // Sections group the rows as in the product.
    for (const [section, groups] of [['Build', ['Agent', 'Testing']], ['Monitor', ['History', 'Export']], ['Deploy', ['Call', 'Phone']]] as const) {
      const box = dialog.getByRole('group', { name: section });
      for (const g of groups) await expect(box.getByRole('radiogroup', { name: g })).toBeVisible();
    }
    // A new restriction starts from No Access everywhere.
    await expect(dialog.getByRole('radio', { name: 'No Access', exact: true, checked: true })).toHaveCount(6);
    await expectAccessible(page);
  });

  test('editing a key changes its levels and name', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Editable');
    await addKey(page, name, { Agent: 'Read' });
    await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit API key' });
    const renamed = `${name} v2`;
    await dialog.getByRole('textbox', { name: 'Name' }).fill(renamed);
    await dialog.getByRole('radiogroup', { name: 'Agent' }).getByRole('radio', { name: 'No Access' }).check();
    await dialog.getByRole('radiogroup', { name: 'Phone' }).getByRole('radio', { name: 'Read', exact: true }).check();
    await dialog.getByRole('radiogroup', { name: 'Export' }).getByRole('radio', { name: 'Edit' }).check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('status').first()).toContainText(`Saved “${renamed}”.`);
    // Focus lands on the edited key's Edit button, not on the page body.
    await expect(keyRow(page, renamed).getByRole('button', { name: `Edit ${renamed}` })).toBeFocused();
    await page.reload();
    await expect(keyRow(page, renamed)).toContainText('Export: Edit · Phone: Read');

    // Turning restrictions off gives full access back.
    await hydrated(page);
    await keyRow(page, renamed).getByRole('button', { name: `Edit ${renamed}` }).click();
    const again = page.getByRole('dialog', { name: 'Edit API key' });
    await again.getByRole('switch', { name: 'Restrict permissions' }).uncheck();
    await again.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(keyRow(page, renamed)).toContainText('Full access');
  });

  test('the webhook badge moves between keys, one at a time', async ({ page }) => {
    await openApiKeys(page);
    const first = uniqueName('Hook A');
    const second = uniqueName('Hook B');
    await addKey(page, first);
    await addKey(page, second);

    await keyRow(page, first).getByRole('button', { name: 'Set as Webhook Key' }).click();
    await expect(keyRow(page, first).getByText('Webhook', { exact: true })).toBeVisible();
    await expect(keyRow(page, first).getByRole('button', { name: 'Set as Webhook Key' })).toHaveCount(0);

    await keyRow(page, second).getByRole('button', { name: 'Set as Webhook Key' }).click();
    await expect(keyRow(page, second).getByText('Webhook', { exact: true })).toBeVisible();
    await expect(keyRow(page, first).getByText('Webhook', { exact: true })).toHaveCount(0);
    await expect(keyRow(page, first).getByRole('button', { name: 'Set as Webhook Key' })).toBeVisible();
    await page.reload();
    await expect(page.getByText('Webhook', { exact: true })).toHaveCount(1);
    await expect(keyRow(page, second).getByText('Webhook', { exact: true })).toBeVisible();
  });

  // Two changes in quick succession: the list asked for first may come back
  // last. What stays on screen is the list asked for last.
  test('a refresh that comes back late does not bring back an older list', async ({ page }) => {
    await openApiKeys(page);
    const first = uniqueName('Late A');
    const second = uniqueName('Late B');
    await addKey(page, first);
    await addKey(page, second);

    // The next list is read at once but handed over only when released.
    const late = await holdNextAnswer(page, '/api/keys/table');
    await keyRow(page, first).getByRole('button', { name: 'Set as Webhook Key' }).click();
    await late.asked;
    await keyRow(page, second).getByRole('button', { name: 'Set as Webhook Key' }).click();
    await expect(keyRow(page, second).getByText('Webhook', { exact: true })).toBeVisible();

    late.release();
    await late.delivered;
    // Long enough for the late answer to be put in place, were it used.
    await page.waitForTimeout(300);
    await expect(keyRow(page, second).getByText('Webhook', { exact: true })).toBeVisible();
    await expect(keyRow(page, first).getByText('Webhook', { exact: true })).toHaveCount(0);
    await late.stop();
  });

  test('delete asks first: Cancel keeps the key, Delete removes it', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Doomed');
    await addKey(page, name);

    await keyRow(page, name).getByRole('button', { name: `Delete ${name}` }).click();
    let confirm = page.getByRole('dialog', { name: 'Delete API key' });
    await expect(confirm).toContainText(name);
    await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(confirm).toBeHidden();
    await expect(keyRow(page, name)).toBeVisible();
    // Focus goes back to the trash button.
    await expect(keyRow(page, name).getByRole('button', { name: `Delete ${name}` })).toBeFocused();

    await keyRow(page, name).getByRole('button', { name: `Delete ${name}` }).click();
    confirm = page.getByRole('dialog', { name: 'Delete API key' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await expect(confirm).toBeHidden();
    await expect(keyRow(page, name)).toHaveCount(0);
    await expect(page.getByRole('heading', { level: 1, name: 'API Keys' })).toBeFocused();
    await page.reload();
    await expect(keyRow(page, name)).toHaveCount(0);
  });

  test('an empty or too long name is refused next to the field', async ({ page }) => {
    await openApiKeys(page);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add API key' });
    const nameBox = dialog.getByRole('textbox', { name: 'Name' });
    await nameBox.fill('   ');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(dialog.getByRole('alert')).toHaveText('Enter a name for the key.');
    await expect(nameBox).toHaveAttribute('aria-invalid', 'true');
    await expect(nameBox).toHaveAccessibleDescription(/Enter a name for the key\./);
    await expect(nameBox).toBeFocused();
    await expectAccessible(page);
    // Nothing was created, and a valid name clears the error.
    await nameBox.fill(uniqueName('Fixed'));
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(page.getByRole('dialog', { name: 'Your new API key' })).toBeVisible();
  });

  test('the server refuses Read on an action-only group and says which', async ({ page }) => {
    await openApiKeys(page);
    // The form cannot express it, so send it as a forged request would.
    const response = await page.request.post('/api/keys/create', {
      data: { input: { name: 'forged', restricted: true, levels: { call: 'read' } } },
    });
    expect(response.status()).toBe(422);
    const body = await response.json();
    expect(body.Invalid.field).toBe('permissions.call');
    expect(body.Invalid.message).toContain('Call is action-only');
    await page.reload();
    await expect(keyRow(page, 'forged')).toHaveCount(0);
  });

  // A row can outlive its key (deleted in another tab): its dialogs are
  // rendered on the server, which says the key is gone instead of opening.
  test.describe('when a row outlives its key', () => {
    // The browser logs each 404 answer; the page says what it means.
    test.use({ expectedConsoleErrors: [/status of 404/] });
    test('a row whose key was deleted elsewhere says so instead of opening a dialog', async ({ page }) => {
      await openApiKeys(page);
      const name = uniqueName('Gone elsewhere');
      await addKey(page, name);
      const id = await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).getAttribute('data-key');
      const deleted = await page.request.post('/api/keys/delete', { data: { id: Number(id) } });
      expect(deleted.status()).toBe(200);
      for (const verb of ['Edit', 'Roll', 'Delete']) {
        await keyRow(page, name).getByRole('button', { name: `${verb} ${name}` }).click();
        await expect(page.getByRole('alert')).toHaveText('That API key no longer exists. Refresh the page to see the current keys.');
        await expect(page.getByRole('dialog')).toHaveCount(0);
      }
    });
  });

  // A secret is shown once: the dialog that will show it cannot be closed
  // while the server is still making it.
  test('Escape while a key is being created does not lose its secret', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Patient');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add API key' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
    const held = await holdNextAnswer(page, '/api/keys/create');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await held.asked;
    await expect(dialog.getByRole('button', { name: 'Creating…' })).toBeDisabled();
    await page.keyboard.press('Escape');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeVisible();
    held.release();
    await held.delivered;
    const reveal = page.getByRole('dialog', { name: 'Your new API key' });
    expect((await reveal.locator('#new-key-secret').textContent()) ?? '').toMatch(SECRET);
    await reveal.getByRole('button', { name: 'Done' }).click();
    await expect(reveal).toBeHidden();
    await expect(keyRow(page, name)).toBeVisible();
    await held.stop();
  });

  test('dialogs trap focus and close on Escape', async ({ page }) => {
    await openApiKeys(page);
    const add = page.getByRole('button', { name: 'Add', exact: true });
    await add.click();
    const dialog = page.getByRole('dialog', { name: 'Add API key' });
    await expect(dialog).toBeVisible();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    }
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    }
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    await expect(add).toBeFocused();

    // Cancel closes too, and keyboard alone can open the dialog.
    await page.keyboard.press('Enter');
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  });

  test.describe('when the server fails', () => {
    test.use({ expectedConsoleErrors: [/status of 500/] });
    test('the failure is reported on the page', async ({ page }) => {
    await openApiKeys(page);
    await page.route('**/api/keys/table', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: '"Internal"' }));
    const name = uniqueName('While down');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add API key' });
    await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('dialog', { name: 'Your new API key' }).getByRole('button', { name: 'Done' }).click();
    await expect(page.getByRole('alert')).toContainText('The API keys could not be loaded.');
    await page.unroute('**/api/keys/table');
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(keyRow(page, name)).toBeVisible();
    });
  });

  test('the page passes axe with keys listed and with each dialog open', async ({ page }) => {
    await openApiKeys(page);
    const name = uniqueName('Audited');
    await addKey(page, name, { Agent: 'Read' });
    await expectAccessible(page);
    await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
    await expectAccessible(page);
    await page.keyboard.press('Escape');
    await keyRow(page, name).getByRole('button', { name: `Delete ${name}` }).click();
    await expectAccessible(page);
  });

  test('the page fits a 375 px wide screen', async ({ page }) => {
    await page.setViewportSize({ width: 375, height: 740 });
    await openApiKeys(page);
    const name = uniqueName('Phone-sized');
    await addKey(page, name, { Call: 'Edit' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await keyRow(page, name).getByRole('button', { name: `Edit ${name}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit API key' });
    // On a phone the level names are written beside each radio.
    await expect(dialog.getByRole('radiogroup', { name: 'Agent' }).getByText('No Access')).toBeVisible();
    const dialogOverflow = await dialog.evaluate((d) => d.scrollWidth - d.clientWidth);
    expect(dialogOverflow).toBeLessThanOrEqual(0);
  });
});
