import 'reflect-metadata';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createSampleApp } from '../support/sample-app.js';
import { PLATFORMS } from '../support/platforms.js';

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core never downloads its own. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const OUTPUT_DIR = join(process.cwd(), 'test-output', 'browser');

/** The sample's page in a real browser: sign in, reload, count over HTTP and socket.io, sign out, HttpOnly cookie. */
describe.each(PLATFORMS)('sample page in headless Chromium, on $name', (platform) => {
  let app: INestApplication;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pageUrl: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) {
      throw new Error(
        `No Chromium at ${CHROMIUM_PATH}: the browser test needs Debian's chromium package ` +
          '(`apt-get update && apt-get install -y chromium`, which .ci/run does), or CHROMIUM_PATH set to a Chromium binary.',
      );
    }
    mkdirSync(OUTPUT_DIR, { recursive: true });
    app = await createSampleApp(platform);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    pageUrl = `http://127.0.0.1:${port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 800, height: 720 } });
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function load(): Promise<void> {
    await page.goto(pageUrl);
    await page.waitForSelector('body[data-ready="true"]');
  }

  const statusText = () => page.locator('#status').textContent();
  const visitsText = () => page.locator('#visits').textContent();

  it('signs in, stays signed in across reloads with the counter kept, and signs out', async () => {
    await load();
    expect(await statusText()).toBe('Not signed in');
    expect(await visitsText()).toBe('1');
    await load();
    expect(await visitsText()).toBe('2');

    await page.fill('#username', 'ada');
    await page.click('#login');
    await page.waitForSelector('#status.signed-in');
    expect(await statusText()).toBe('Signed in as ada');

    // Sign-in regenerated the session: the count starts again, then persists.
    await load();
    expect(await statusText()).toBe('Signed in as ada');
    expect(await visitsText()).toBe('1');
    await page.click('#count');
    await page.waitForFunction(`document.getElementById('visits').textContent === '2'`);
    // Over socket.io: the browser sends the HttpOnly cookie with the handshake; the gateway saves.
    await page.click('#count-ws');
    await page.waitForFunction(`document.getElementById('visits').textContent === '3'`);
    await load();
    expect(await statusText()).toBe('Signed in as ada');
    expect(await visitsText()).toBe('4');
    await page.screenshot({ path: join(OUTPUT_DIR, `signed-in-${platform.name}.png`), fullPage: true });

    await page.click('#logout');
    await page.waitForFunction(`document.getElementById('status').textContent === 'Not signed in'`);
    await load();
    expect(await statusText()).toBe('Not signed in');
    expect(await visitsText()).toBe('1');
    await page.screenshot({ path: join(OUTPUT_DIR, `signed-out-${platform.name}.png`), fullPage: true });
  });

  it('keeps the session cookie away from scripts (HttpOnly)', async () => {
    await load();
    const sessionCookie = (await context.cookies(pageUrl)).find((cookie) => cookie.name === 'connect.sid');
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
    // Page scripts are compiled without the DOM types here: expressions go to the browser as strings.
    expect(await page.evaluate('document.cookie')).not.toContain('connect.sid');
    expect(await page.locator('#script-cookies').textContent()).toBe('(none)');
  });
});
