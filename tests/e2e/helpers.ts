/**
 * Shared pieces of the browser tests: isolated pages that record console errors and any request
 * leaving the server (the product must not phone home), the registration and send steps as a
 * person does them, and the V1 scan of every byte the server stored for canaries in any encoding.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, inject } from 'vitest';
import { createDatabase, dumpDatabase } from '../setup/postgres';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../helpers/server';
import { startWranglerDev, type WranglerServer } from '../helpers/wranglerDev';
import { ROOT } from '../../scripts/build.mjs';
import { launchBrowser } from './browser';

export const PASSWORD = 'correct horse battery staple 42';

/** hh:mm:ss.mmm, for the failure report's lines. */
const timeOfDay = () => new Date().toISOString().slice(11, 23);

/** Opens pages in fresh browser contexts (separate profiles) and collects what went wrong in them. */
export class Pages {
  readonly contexts: BrowserContext[] = [];
  readonly problems: string[] = [];
  /** Every console line of every page, for the report when a test fails. */
  readonly transcript: string[] = [];
  private readonly watched: Page[] = [];
  constructor(
    private readonly browser: Browser,
    private readonly serverUrl: string,
  ) {}

  async newPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
    const context = await this.browser.newContext(options);
    this.contexts.push(context);
    return this.watch(await context.newPage());
  }

  /** Records console errors, page errors and foreign requests of a page (e.g. a second tab). */
  watch(page: Page): Page {
    const n = this.watched.push(page);
    page.on('console', (m) => {
      this.transcript.push(`[page ${n} ${timeOfDay()} ${m.type()}] ${m.text()}`);
      if (m.type() === 'error') this.problems.push(`${m.text()}`);
    });
    page.on('pageerror', (e) => {
      this.problems.push(e.message);
      // Where it was thrown, for the failure report.
      this.transcript.push(`[page ${n} ${timeOfDay()} pageerror] ${(e.stack ?? e.message).split('\n').slice(0, 6).join(' ⏎ ')}`);
    });
    // Socket traffic, shortened, for the failure report.
    page.on('websocket', (ws) => {
      const path = new URL(ws.url()).pathname.replace(/^\/ws\//, '');
      const note = (dir: string, payload: string | Buffer) => this.transcript.push(`[page ${n} ${timeOfDay()} ${path} ${dir}] ${String(payload).slice(0, 140)}`);
      this.transcript.push(`[page ${n} ${timeOfDay()} ${path} open]`);
      ws.on('framesent', (f) => note('>', f.payload));
      ws.on('framereceived', (f) => note('<', f.payload));
      ws.on('close', () => this.transcript.push(`[page ${n} ${timeOfDay()} ${path} closed]`));
    });
    // The page's own object URLs (decrypted files, blob:<origin>/…) never leave the browser.
    page.on('request', (r) => !r.url().startsWith(this.serverUrl) && !r.url().startsWith(`blob:${this.serverUrl}/`) && this.problems.push(`foreign request ${r.url()}`));
    // Refused requests, for the failure report (a console "404" does not say which).
    page.on('response', (r) => r.status() >= 400 && this.transcript.push(`[page ${n} ${timeOfDay()} ${r.status()}] ${r.request().method()} ${new URL(r.url()).pathname}`));
    return page;
  }

  /** What each open page shows and said, printed when a test fails so a flaky failure can be read from the CI log. */
  async report(): Promise<string> {
    const out: string[] = [];
    for (const [i, page] of this.watched.entries()) {
      if (page.isClosed()) continue;
      const messages = await page
        .locator('[role="log"] li.message')
        .evaluateAll((lis) => lis.map((li) => (li as HTMLElement).innerText.replace(/\s+/g, ' ').slice(0, 160)))
        .catch((e: Error) => [`(unreadable: ${e.message})`]);
      const screen = await page
        .evaluate(() => {
          const composer = document.querySelector<HTMLTextAreaElement>('#composer-input');
          return `${document.body.innerText.replace(/\s+/g, ' ').slice(0, 1200)}\n  composer: ${composer ? JSON.stringify({ value: composer.value, disabled: composer.disabled }) : 'none'}`;
        })
        .catch((e: Error) => `(unreadable: ${e.message})`);
      out.push(`page ${i + 1} at ${page.url()}: ${messages.length} message rows`, ...messages.map((m) => `  ${m}`), `  screen: ${screen}`);
    }
    out.push('console and sockets:', ...this.transcript.slice(-150));
    return out.join('\n');
  }

  async closeAll(): Promise<void> {
    for (const c of this.contexts) await c.close().catch(() => undefined);
    this.contexts.length = 0;
  }
}

export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every form a canary could take in stored bytes. */
export function needles(canary: string): string[] {
  const b = Buffer.from(canary);
  const b64 = [0, 1, 2].map((shift) => {
    const s = Buffer.concat([Buffer.alloc(shift), b]).toString('base64');
    // Drop the characters that depend on bytes around the canary.
    return s.slice(Math.ceil((shift * 4) / 3) + 1, s.length - 4);
  });
  return [canary, b.toString('hex'), Buffer.from(canary, 'utf16le').toString('latin1'), ...b64, ...b64.map((s) => s.replace(/\+/g, '-').replace(/\//g, '_'))];
}

/** V1: no file under the server's data directory contains any canary in any encoding. Stop the server first. */
export function expectNoCanaries(dataDir: string, canaries: string[]): void {
  for (const c of canaries) logSecrets.add(c);
  const files = filesUnder(dataDir);
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const bytes = readFileSync(file).toString('latin1');
    for (const canary of canaries) for (const n of needles(canary)) expect(bytes.includes(n), `${canary} (${n}) in ${file}`).toBe(false);
  }
}

/** V1 on PostgreSQL: a dump of the instance's database holds no canary in any encoding. Stop the server first. */
export async function expectNoCanariesInDatabase(databaseUrl: string, canaries: string[]): Promise<void> {
  const dump = await dumpDatabase(databaseUrl);
  expect(dump).toContain('-- users (');
  for (const canary of canaries) for (const n of needles(canary)) expect(dump.includes(n), `${canary} (${n}) in the database dump`).toBe(false);
}

/**
 * browserSuite on a fresh PostgreSQL database of the test cluster (so a canary check can also
 * search a dump of it); `databaseUrl()` names it.
 */
export function postgresBrowserSuite(env: Record<string, string> = {}): BrowserSuite & { databaseUrl: () => string } {
  let url = '';
  const suite = browserSuite(async () => {
    url = await createDatabase(inject('postgresUrl'));
    return { ...env, DATABASE_URL: url };
  }) as BrowserSuite & { databaseUrl: () => string };
  suite.databaseUrl = () => url;
  return suite;
}

/** Fills the registration (or first-run setup) form, checks the recovery code is shown once, confirms it. Returns the code. */
export async function register(page: Page, username: string, problems: string[] = []): Promise<string> {
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat password').fill(PASSWORD);
  await page.getByRole('checkbox', { name: 'I accept the terms of service and the privacy policy' }).check();
  await page.getByRole('button', { name: /Create (owner )?account/ }).click();
  const code = await page
    .getByTestId('recovery-code')
    .textContent({ timeout: 15_000 })
    .catch(async (e) => {
      throw new Error(`no recovery code; alerts: ${(await page.getByRole('alert').allTextContents()).join(' | ')}; problems: ${problems.join(' | ')}; ${e}`);
    });
  expect(code).toMatch(/^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
  logSecrets.add(code!);
  await page.getByLabel('I saved my recovery code').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  return code!;
}

/** Types a message into the composer once sending is possible and presses Enter. */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.locator('#composer-input');
  await expect.poll(() => box.isEnabled(), { timeout: 20_000 }).toBe(true);
  await box.fill(text);
  await box.press('Enter');
}

export const log = (page: Page) => page.getByRole('log');
export const messageWith = (page: Page, text: string) => log(page).locator('li.message', { hasText: text });

/** Prints what the pages showed and said (refused requests with their paths) when a test of this file fails. */
export function reportOnFailure(pages: () => Pages | undefined): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(async () => console.error(`what the pages showed when the test failed:\n${(await pages()?.report()) ?? '(no pages)'}`));
  });
}

/** What `browserSuite` starts for a test file: the real server, Chromium, and isolated pages. */
export interface BrowserSuite {
  server: RunningServer;
  browser: Browser;
  pages: Pages;
}

/** What serves the product to a browser suite: the self-hosted workerd, or the Cloudflare build under wrangler dev (issue #19 item 1). */
export type Runtime = 'npm start' | 'wrangler dev';

/**
 * Starts `npm start` (with `env`, open registration by default; or, with `runtime` 'wrangler dev',
 * the Cloudflare build with `env` as its vars) and Chromium before the file's (or the describe
 * block's) tests and stops both after them. `env` may be a function, called in beforeAll (e.g. to create a
 * PostgreSQL database first). Read the fields inside tests, not at import time.
 */
export function browserSuite(env: Record<string, string> | (() => Promise<Record<string, string>>) = {}, runtime: Runtime = 'npm start'): BrowserSuite {
  const suite = {} as BrowserSuite;
  let wrangler: WranglerServer | undefined;
  beforeAll(async () => {
    const extra = typeof env === 'function' ? await env() : env;
    const vars = { REGISTRATION_MODE: 'open', LOG_LEVEL: 'debug', ...extra };
    if (runtime === 'wrangler dev') suite.server = wrangler = await startWranglerDev({ vars });
    else suite.server = await startServer({ env: vars });
    suite.browser = await launchBrowser();
    suite.pages = new Pages(suite.browser, suite.server.url);
  });
  reportOnFailure(() => suite.pages);
  afterAll(async () => {
    await suite.pages?.closeAll();
    await suite.browser?.close();
    await suite.server?.kill();
    // Issue #19 item 5: the server's whole output for this file's run (JSON log lines, at debug
    // level: one per request) holds no password, recovery code or canary the tests used.
    if (suite.server) expectCleanLogs(suite.server.output());
    wrangler?.remove();
  });
  return suite;
}

/** Every secret and canary a browser file used, for the log check when its server stops. */
const logSecrets = new Set<string>([PASSWORD]);

export function expectCleanLogs(output: string): void {
  for (const secret of logSecrets) {
    for (const form of needles(secret)) expect(output.includes(form), `the server's logs hold "${secret}"`).toBe(false);
  }
  const lines = output.split('\n').filter((l) => l.startsWith('{'));
  for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
}

/**
 * The owner registers on `owner` (first-run setup), creates a community and an invite link; the
 * other registers from the link on `member` and joins. Both end in #general; returns its address and both recovery codes.
 */
/** Registers `username` and creates a community named `name`; resolves on its #general, with the ids from the URL. */
export async function ownerWithCommunity(suite: BrowserSuite, owner: Page, username: string, name: string): Promise<{ code: string; communityId: string; channelId: string }> {
  await owner.goto(suite.server.url);
  const code = await register(owner, username, suite.pages.problems);
  await owner.getByRole('button', { name: 'Create a community' }).click();
  await owner.getByLabel('Community name').fill(name);
  await owner.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
  await expect.poll(() => owner.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);
  const [, communityId, channelId] = /#\/c\/([^/]+)\/([^/?]+)/.exec(owner.url())!;
  return { code, communityId: communityId!, channelId: channelId! };
}

/** Creates an invite link from the community on screen (Invite → Create invite link); the link and its code. */
export async function createInviteLink(owner: Page): Promise<{ link: string; code: string }> {
  await owner.getByRole('button', { name: 'Invite', exact: true }).click();
  await owner.getByRole('button', { name: 'Create invite link' }).click();
  const link = await owner.getByTestId('invite-link').inputValue();
  await owner.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  return { link, code: /\/join\/([^/?#]+)/.exec(link)?.[1] ?? link.split('/').pop()! };
}

export async function communityOfTwo(
  suite: BrowserSuite,
  owner: Page,
  member: Page,
  name: string,
  users: [string, string] = ['alice', 'bob'],
): Promise<{ channelUrl: string; codes: [string, string] }> {
  const { code: ownerCode } = await ownerWithCommunity(suite, owner, users[0], name);
  const { link } = await createInviteLink(owner);
  const channelUrl = owner.url();
  await member.goto(link);
  const memberCode = await register(member, users[1], suite.pages.problems);
  await expect.poll(() => member.getByRole('heading', { name: '#general' }).count(), { timeout: 20_000 }).toBe(1);
  return { channelUrl, codes: [ownerCode, memberCode] };
}

/** Waits for the welcome screen a signed-in account lands on. */
const welcomed = (page: Page) => expect.poll(() => page.getByRole('heading', { name: /Welcome/ }).count(), { timeout: 20_000 }).toBe(1);

/** Signs in on the sign-in screen (a new device when the page's profile holds no keys). */
export async function signInAs(page: Page, serverUrl: string, username: string, password = PASSWORD): Promise<void> {
  await page.goto(serverUrl);
  await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await welcomed(page);
}

/** Registers a further account from the sign-in screen ("Create one"), ending on the welcome screen. */
export async function registerAnother(page: Page, serverUrl: string, username: string, problems: string[] = []): Promise<void> {
  await page.goto(serverUrl);
  await page.getByRole('link', { name: 'Create one' }).click();
  await register(page, username, problems);
  await welcomed(page);
}

/** Starts a DM with `username` from the DM list and leaves it open. */
export async function startDm(page: Page, username: string): Promise<void> {
  await page.getByRole('link', { name: 'Direct messages' }).click();
  await page.getByRole('button', { name: 'New direct message' }).click();
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Start conversation' }).click();
}

/** Opens the DM someone else started with this user, once it shows in the DM list, accepting it if it is a request. */
export async function openDmFrom(page: Page, username: string): Promise<void> {
  await page.getByRole('link', { name: 'Direct messages' }).click();
  const link = page.getByRole('complementary').getByRole('link', { name: username });
  await expect.poll(() => link.count(), { timeout: 60_000 }).toBe(1);
  await link.click();
  await acceptDmRequest(page);
}

/**
 * After opening a DM from the list: a DM from someone who shares no community with this user
 * arrives as a message request (hardening #11.8), so accept it; an ordinary DM is left as it is.
 */
export async function acceptDmRequest(page: Page): Promise<void> {
  const accept = page.getByTestId('dm-request').getByRole('button', { name: 'Accept' });
  const composer = page.locator('#composer-input');
  await expect.poll(async () => (await accept.count()) + (await composer.count()), { timeout: 20_000 }).toBeGreaterThan(0);
  if ((await accept.count()) > 0) {
    await accept.click();
    await expect.poll(() => composer.count(), { timeout: 20_000 }).toBe(1);
  }
}

const AXE = readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe-core violations (WCAG 2.0, 2.1 and 2.2 A and AA; 2.2 adds the 24 px target size) on the page as it is now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] };
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<Result> } }).axe;
    const r = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}`));
  });
}


/** Creates a voice channel named `name` from the community menu (issue #14) and returns its address. */
export async function createVoiceChannel(page: Page, name: string): Promise<string> {
  await page.getByText('Community menu').click();
  await page.getByRole('button', { name: 'Create channel' }).click();
  await page.getByLabel('Channel name').fill(name);
  await page.getByRole('radio', { name: /Voice/ }).check();
  await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
  await expect.poll(() => page.getByRole('heading', { name: `#${name}` }).count()).toBe(1);
  return page.url();
}
