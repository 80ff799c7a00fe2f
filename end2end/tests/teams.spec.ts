import type { Browser, Locator, Page } from '@playwright/test';
import {
  test,
  expect,
  signUp,
  hydrated,
  uniqueEmail,
  uniqueName,
  keyRow,
  addKey,
  expectAccessible,
  pageDate,
  PASSWORD,
} from './fixtures';

// Teams: an Admin invites people by link, each joins in a browser of their
// own, and what each may do follows their role. Every test signs up its own
// organization (a name no other test uses), so the tests share the server
// and nothing else.

type Role = 'Admin' | 'Developer' | 'Member';

const LAST_ADMIN = 'An organization needs at least one Admin.';
const INVITATION_GONE = 'This invitation has expired or was already used.';
const DAY = 24 * 60 * 60 * 1000;

function uniqueOrganization(label = 'Team') {
  return `${label} ${Math.random().toString(36).slice(2, 8)}`;
}

/** Signs up the Admin of a new organization in `page` and opens its Members page. */
async function startOrganization(page: Page, organization = uniqueOrganization()) {
  const email = await signUp(page, organization);
  await openMembers(page);
  return { email, organization };
}

async function openMembers(page: Page) {
  await page.goto('/settings/members');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Members' })).toBeVisible();
}

async function openKeys(page: Page) {
  await page.goto('/settings/api-keys');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'API Keys' })).toBeVisible();
}

function membersTable(page: Page) {
  return page.getByRole('table', { name: 'Members', exact: true });
}

function invitationsTable(page: Page) {
  return page.getByRole('table', { name: 'Pending invitations', exact: true });
}

/** A member's row (their email is its row header; "You" may follow it). */
function memberRow(page: Page, email: string) {
  return membersTable(page).getByRole('row').filter({ has: page.getByRole('rowheader', { name: email }) });
}

function invitationRow(page: Page, email: string) {
  return invitationsTable(page).getByRole('row').filter({ has: page.getByRole('rowheader', { name: email }) });
}

/** A row's Role column: the first cell after the email (text, or an Admin's select). */
function roleCell(row: Locator) {
  return row.getByRole('cell').first();
}

function roleSelect(page: Page, email: string) {
  return page.getByRole('combobox', { name: `Role for ${email}`, exact: true });
}

function settingsNav(page: Page) {
  return page.getByRole('navigation', { name: 'Settings' });
}

function statusLine(page: Page, text: string) {
  return page.getByRole('status').filter({ hasText: text });
}

/**
 * Invites `email` as `role` through the Invite member dialog on the open
 * Members page, and returns the link, shown this once. With `audit`, axe
 * checks the dialog with its form and again with its link.
 */
async function invite(page: Page, email: string, role: Role, { audit = false } = {}) {
  await page.getByRole('button', { name: 'Invite member' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await expect(dialog.getByRole('textbox', { name: 'Email' })).toBeFocused();
  // Developer unless chosen otherwise.
  await expect(dialog.getByRole('combobox', { name: 'Role', exact: true })).toHaveValue('developer');
  await dialog.getByRole('textbox', { name: 'Email' }).fill(email);
  await dialog.getByRole('combobox', { name: 'Role', exact: true }).selectOption({ label: role });
  if (audit) await expectAccessible(page);
  await dialog.getByRole('button', { name: 'Create invitation' }).click();

  // The same dialog, now named after the link it shows.
  const reveal = page.getByRole('dialog', { name: 'Invitation link' });
  await expect(reveal.getByRole('heading', { name: 'Invitation link' })).toBeVisible();
  const code = reveal.locator('code#invitation-link');
  await expect(code).toHaveText(/\/join\/\S+$/);
  const link = ((await code.textContent()) ?? '').trim();
  const origin = new URL(page.url()).origin;
  expect(link.startsWith(`${origin}/join/`), `${link} is a full link on ${origin}`).toBe(true);
  await expect(reveal.getByRole('button', { name: 'Copy' })).toBeVisible();
  if (audit) await expectAccessible(page);
  await reveal.getByRole('button', { name: 'Done' }).click();
  await expect(reveal).toBeHidden();
  // The link is not left in the page.
  expect(await page.content()).not.toContain(link);
  await expect(roleCell(invitationRow(page, email))).toHaveText(role);
  return link;
}

/** A browser of someone else's: a fresh context, watched for page errors and hydration warnings. */
async function freshBrowser(browser: Browser, baseURL: string | undefined, expected: RegExp[] = []) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (expected.some((re) => re.test(text))) return;
    if (msg.type() === 'error' || /hydrat/i.test(text)) problems.push(`${msg.type()}: ${text}`);
  });
  page.on('pageerror', (err) => {
    if (!expected.some((re) => re.test(err.message))) problems.push(`pageerror: ${err.message}`);
  });
  return {
    context,
    page,
    close: async () => {
      expect(problems, 'console errors or hydration warnings in the other browser').toEqual([]);
      await context.close();
    },
  };
}

/**
 * Opens an invitation `link` in `page` and joins as `email` with
 * `password` (a new account's, or the existing account's own); the
 * browser lands on the organization's API Keys page. With `audit`, axe
 * checks the Join page first.
 */
async function join(page: Page, link: string, email: string, organization: string, password = PASSWORD, { audit = false } = {}) {
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: `Join ${organization}` })).toBeVisible();
  if (audit) await expectAccessible(page);
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'API Keys' })).toBeVisible();
  await expect(page.locator('.topbar__org')).toHaveText(organization);
}

/** No control that changes a key: no Add, and none of a row's buttons. */
async function expectNoKeyControls(page: Page, keyName: string) {
  await expect(keyRow(page, keyName)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toHaveCount(0);
  for (const verb of ['Edit', 'Roll', 'Delete']) {
    await expect(page.getByRole('button', { name: `${verb} ${keyName}` })).toHaveCount(0);
  }
  await expect(page.getByRole('button', { name: 'Set as Webhook Key' })).toHaveCount(0);
}

async function expectKeyControls(page: Page, keyName: string) {
  await expect(page.getByRole('button', { name: 'Add', exact: true })).toBeVisible();
  for (const verb of ['Edit', 'Roll', 'Delete']) {
    await expect(keyRow(page, keyName).getByRole('button', { name: `${verb} ${keyName}` })).toBeVisible();
  }
  await expect(keyRow(page, keyName).getByRole('button', { name: 'Set as Webhook Key' })).toBeVisible();
}

/** The nav is rendered with the signed-in person; wait for it before saying what it lacks. */
async function expectNav(page: Page, email: string, auditLog: boolean) {
  await expect(page.getByRole('banner')).toContainText(email);
  const nav = settingsNav(page);
  for (const name of ['API Keys', 'Public Keys', 'Webhooks', 'Members']) {
    await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
  }
  await expect(nav.getByRole('link', { name: 'Audit log' })).toHaveCount(auditLog ? 1 : 0);
}

test.describe('Teams', () => {
  test('an Admin invites a Developer and a Member, each joins and gets what their role allows', async ({
    page,
    context,
    browser,
    baseURL,
  }) => {
    test.slow(); // Three browsers, two joins and five axe runs.
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const { email: admin, organization } = await startOrganization(page);
    // The Admin is the only member, and may invite.
    await expect(membersTable(page).getByRole('row')).toHaveCount(2);
    await expect(memberRow(page, admin)).toContainText('You');
    await expect(roleSelect(page, admin)).toHaveValue('admin');
    await expect(page.getByRole('button', { name: 'Invite member' })).toBeVisible();

    // A key of the Admin's, for the others to see.
    await openKeys(page);
    const shared = uniqueName('Shared');
    await addKey(page, shared);
    await expect(keyRow(page, shared)).toContainText(`Created by ${admin}`);

    await openMembers(page);
    const developer = uniqueEmail('developer');
    const member = uniqueEmail('member');
    const developerLink = await invite(page, developer, 'Developer', { audit: true });

    // Copy puts the link on the clipboard (checked on a second invitation,
    // the first one's link having been shown once already).
    await page.getByRole('button', { name: 'Invite member' }).click();
    let dialog = page.getByRole('dialog', { name: 'Invite member' });
    await dialog.getByRole('textbox', { name: 'Email' }).fill(member);
    await dialog.getByRole('combobox', { name: 'Role', exact: true }).selectOption({ label: 'Member' });
    await dialog.getByRole('button', { name: 'Create invitation' }).click();
    dialog = page.getByRole('dialog', { name: 'Invitation link' });
    await expect(dialog.locator('#invitation-link')).toHaveText(/\/join\/\S+$/);
    const memberLink = ((await dialog.locator('#invitation-link').textContent()) ?? '').trim();
    expect(memberLink).toMatch(/\/join\/\S+$/);
    expect(memberLink).not.toBe(developerLink);
    await dialog.getByRole('button', { name: 'Copy' }).click();
    await expect(dialog.getByRole('status')).toHaveText('Copied to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(memberLink);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect(dialog).toBeHidden();

    // Both are pending, for seven days, and the Admin may revoke each.
    const expires = `Expires ${pageDate(new Date(Date.now() + 7 * DAY))}`;
    for (const [email, role] of [[developer, 'Developer'], [member, 'Member']] as const) {
      const row = invitationRow(page, email);
      await expect(roleCell(row)).toHaveText(role);
      await expect(row).toContainText(expires);
      await expect(row.getByRole('button', { name: `Revoke invitation for ${email}` })).toBeVisible();
    }
    await expectAccessible(page);

    // The Developer joins in a browser of their own, setting a password.
    const dev = await freshBrowser(browser, baseURL);
    await join(dev.page, developerLink, developer, organization, PASSWORD, { audit: true });
    await expectKeyControls(dev.page, shared);
    await expectNav(dev.page, developer, true);
    const devKey = uniqueName('Developer made');
    await addKey(dev.page, devKey);
    await expect(keyRow(dev.page, devKey)).toContainText(`Created by ${developer}`);
    await dev.page.reload();
    await hydrated(dev.page);
    await expect(keyRow(dev.page, devKey)).toContainText(`Created by ${developer}`);
    // Developers do not manage members.
    await openMembers(dev.page);
    await expect(memberRow(dev.page, admin)).toBeVisible();
    await expect(dev.page.getByRole('button', { name: 'Invite member' })).toHaveCount(0);
    await expect(dev.page.getByRole('combobox', { name: /^Role for / })).toHaveCount(0);

    // The Member joins too, and sees the keys without any control.
    const mem = await freshBrowser(browser, baseURL);
    await join(mem.page, memberLink, member, organization);
    await expectNoKeyControls(mem.page, shared);
    await expect(keyRow(mem.page, shared)).toContainText(`Created by ${admin}`);
    await expect(keyRow(mem.page, devKey)).toContainText(`Created by ${developer}`);
    await expect(mem.page.getByRole('button', { name: `Edit ${devKey}` })).toHaveCount(0);
    await expectNav(mem.page, member, false);
    await mem.page.goto('/settings/audit-log');
    await hydrated(mem.page);
    await expect(mem.page.getByText('Your role (Member) cannot view the audit log.')).toBeVisible();
    await expect(mem.page.getByRole('table', { name: 'Audit log entries, newest first' })).toHaveCount(0);
    // Members see who is in the organization, and change nothing.
    await openMembers(mem.page);
    await expect(roleCell(memberRow(mem.page, admin))).toHaveText('Admin');
    await expect(roleCell(memberRow(mem.page, developer))).toHaveText('Developer');
    await expect(roleCell(memberRow(mem.page, member))).toHaveText('Member');
    await expect(mem.page.getByRole('button', { name: 'Invite member' })).toHaveCount(0);
    await expect(mem.page.getByRole('combobox', { name: /^Role for / })).toHaveCount(0);
    await expect(mem.page.getByRole('button', { name: /^Remove / })).toHaveCount(0);

    // The Admin sees both as members now, no longer invited.
    await openMembers(page);
    await expect(roleSelect(page, developer)).toHaveValue('developer');
    await expect(roleSelect(page, member)).toHaveValue('member');
    await expect(page.getByRole('button', { name: `Remove ${developer}` })).toBeVisible();
    await expect(invitationsTable(page)).toHaveCount(0);
    await expectAccessible(page);

    await dev.close();
    await mem.close();
  });

  test('a Member promoted to Developer gets Add after a reload', async ({ page, browser, baseURL }) => {
    const { email: admin, organization } = await startOrganization(page);
    await openKeys(page);
    const shared = uniqueName('Promotion');
    await addKey(page, shared);
    await openMembers(page);
    const member = uniqueEmail('promoted');
    const link = await invite(page, member, 'Member');

    const mem = await freshBrowser(browser, baseURL);
    await join(mem.page, link, member, organization);
    await expectNoKeyControls(mem.page, shared);
    await expectNav(mem.page, member, false);

    await openMembers(page);
    await roleSelect(page, member).selectOption({ label: 'Developer' });
    await expect(statusLine(page, `${member} is now Developer.`)).toBeVisible();
    await expect(roleSelect(page, member)).toHaveValue('developer');
    await page.reload();
    await hydrated(page);
    await expect(roleSelect(page, member)).toHaveValue('developer');
    await expect(roleSelect(page, admin)).toHaveValue('admin');

    await mem.page.reload();
    await hydrated(mem.page);
    await expectKeyControls(mem.page, shared);
    await expectNav(mem.page, member, true);
    await mem.close();
  });

  test('removing a member ends their sessions, and their keys stay', async ({ page, browser, baseURL }) => {
    const { organization } = await startOrganization(page);
    const developer = uniqueEmail('removed');
    const link = await invite(page, developer, 'Developer');

    // The removed person's page may ask the server something after their
    // session ended: the browser would log that refusal.
    const dev = await freshBrowser(browser, baseURL, [/status of 401/]);
    await join(dev.page, link, developer, organization);
    const left = uniqueName('Left behind');
    await addKey(dev.page, left);

    await openMembers(page);
    const remove = page.getByRole('button', { name: `Remove ${developer}` });
    await remove.click();
    let dialog = page.getByRole('dialog', { name: 'Remove member' });
    await expect(dialog).toContainText(developer);
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await expectAccessible(page);
    // Cancel keeps them.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    await expect(remove).toBeFocused();
    await expect(memberRow(page, developer)).toBeVisible();

    await remove.click();
    dialog = page.getByRole('dialog', { name: 'Remove member' });
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(statusLine(page, `Removed ${developer}.`)).toBeVisible();
    await expect(memberRow(page, developer)).toHaveCount(0);
    await page.reload();
    await hydrated(page);
    await expect(memberRow(page, developer)).toHaveCount(0);

    // Their next page load is the sign-in page.
    await dev.page.goto('/settings/api-keys');
    await expect(dev.page).toHaveURL(/\/login(\?|$)/);
    await hydrated(dev.page);
    await expect(dev.page.getByRole('button', { name: 'Sign in' })).toBeVisible();

    // The key they made still works for the organization, by "a former member".
    await openKeys(page);
    await expect(keyRow(page, left)).toContainText('Created by a former member');
    await expect(keyRow(page, left)).not.toContainText(developer);
    await dev.close();
  });

  test.describe('the last Admin', () => {
    // The server refuses with a 409, which the browser logs.
    test.use({ expectedConsoleErrors: [/status of 409/] });

    test('cannot be made a Developer nor removed', async ({ page }) => {
      const { email: admin } = await startOrganization(page);

      const select = roleSelect(page, admin);
      await select.selectOption({ label: 'Developer' });
      const cell = page.getByRole('cell').filter({ has: select });
      await expect(cell.getByRole('alert')).toHaveText(LAST_ADMIN);
      await expect(select).toHaveValue('admin');
      await page.reload();
      await hydrated(page);
      await expect(roleSelect(page, admin)).toHaveValue('admin');

      await page.getByRole('button', { name: `Remove ${admin}` }).click();
      const dialog = page.getByRole('dialog', { name: 'Remove member' });
      await expect(dialog).toContainText(admin);
      await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
      await expect(dialog.getByRole('alert')).toHaveText(LAST_ADMIN);
      await expect(dialog).toBeVisible();
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toBeHidden();
      await page.reload();
      await hydrated(page);
      await expect(roleSelect(page, admin)).toHaveValue('admin');
    });
  });

  test('an existing account joins with its own password and switches between its organizations', async ({
    page,
    browser,
    baseURL,
  }) => {
    // Organization A, with a key of its own.
    const a = uniqueOrganization('Org A');
    await signUp(page, a);
    await openKeys(page);
    const keyA = uniqueName('Key of A');
    await addKey(page, keyA);

    // Someone else signed up with organization B, with its key; one
    // organization: no switch.
    const b = uniqueOrganization('Org B');
    const other = await freshBrowser(browser, baseURL);
    const person = await signUp(other.page, b);
    await openKeys(other.page);
    const keyB = uniqueName('Key of B');
    await addKey(other.page, keyB);
    await expect(other.page.getByRole('banner')).toContainText(person);
    await expect(other.page.getByRole('combobox', { name: 'Organization' })).toHaveCount(0);

    // A invites them; they join with the password they already have.
    await openMembers(page);
    const link = await invite(page, person, 'Developer');
    await join(other.page, link, person, a, PASSWORD);
    await expect(keyRow(other.page, keyA)).toBeVisible();
    await expect(keyRow(other.page, keyB)).toHaveCount(0);

    const switcher = other.page.getByRole('combobox', { name: 'Organization', exact: true });
    await expect(switcher).toBeVisible();
    // Both organizations are offered, the current one chosen.
    await expect(switcher.locator('option')).toHaveCount(2);
    await expect(switcher.locator('option', { hasText: b })).toHaveCount(1);
    await expect(switcher.locator('option:checked')).toHaveText(a);
    await switcher.selectOption({ label: b });
    await other.page.getByRole('button', { name: 'Switch', exact: true }).click();
    await expect(other.page.locator('.topbar__org')).toHaveText(b);
    await expect(other.page).toHaveURL(/\/settings\/api-keys/);
    await hydrated(other.page);
    await expect(keyRow(other.page, keyB)).toBeVisible();
    await expect(keyRow(other.page, keyA)).toHaveCount(0);
    // Their own organization: still its Admin.
    await expectKeyControls(other.page, keyB);

    await other.page.getByRole('combobox', { name: 'Organization', exact: true }).selectOption({ label: a });
    await other.page.getByRole('button', { name: 'Switch', exact: true }).click();
    await expect(other.page.locator('.topbar__org')).toHaveText(a);
    await hydrated(other.page);
    await expect(keyRow(other.page, keyA)).toBeVisible();
    await expect(keyRow(other.page, keyB)).toHaveCount(0);

    // A lists them as a Developer; the joining used the invitation up.
    await openMembers(page);
    await expect(roleSelect(page, person)).toHaveValue('developer');
    await expect(invitationsTable(page)).toHaveCount(0);
    await other.close();
  });

  test('a used or revoked invitation link says it has expired', async ({ page, browser, baseURL }) => {
    const { organization } = await startOrganization(page);
    const joiner = uniqueEmail('once');
    const revoked = uniqueEmail('revoked');
    const used = await invite(page, joiner, 'Member');
    const withdrawn = await invite(page, revoked, 'Developer');

    await page.getByRole('button', { name: `Revoke invitation for ${revoked}` }).click();
    await expect(statusLine(page, `Revoked the invitation for ${revoked}.`)).toBeVisible();
    await expect(invitationRow(page, revoked)).toHaveCount(0);
    await expect(invitationRow(page, joiner)).toBeVisible();

    const other = await freshBrowser(browser, baseURL);
    await join(other.page, used, joiner, organization);

    for (const link of [used, withdrawn]) {
      await other.page.goto(link);
      await hydrated(other.page);
      await expect(other.page.getByText(INVITATION_GONE)).toBeVisible();
      await expect(other.page.getByRole('heading', { level: 1, name: `Join ${organization}` })).toHaveCount(0);
      await expect(other.page.getByRole('button', { name: 'Join', exact: true })).toHaveCount(0);
    }
    await other.close();
  });
});
