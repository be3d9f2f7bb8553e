import 'reflect-metadata';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { createSampleApp } from '../support/sample-app.js';
import { PLATFORMS } from '../support/platforms.js';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A page of another origin that posts a form to the sample's cart, as a forging site would. */
function forgingPage(target: string): string {
  return `<!doctype html><html><body>
    <form id="forged" method="post" action="${target}/cart"><input name="item" value="forged"></form>
    <button id="go" onclick="document.getElementById('forged').submit()">Win a prize</button>
  </body></html>`;
}

/**
 * CSRF in a real browser: the sample's own cart form (hidden `_csrf` field) succeeds, while a
 * page served from another port (same site, other origin) or another host (cross-site) posts
 * the same form with the session cookie and is refused.
 */
describe.each(PLATFORMS)('CSRF protection in headless Chromium, on $name', (platform) => {
  let app: INestApplication;
  let forger: Server;
  let browser: Browser;
  let page: Page;
  let appUrl: string;
  let forgerPort: number;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`No Chromium at ${CHROMIUM_PATH}: run bash .ci/system-deps.sh (npm test does), or set CHROMIUM_PATH.`);
    app = await createSampleApp(platform);
    await app.listen(0, '127.0.0.1');
    appUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    forger = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(forgingPage(appUrl));
    });
    await new Promise<void>((resolve) => forger.listen(0, '127.0.0.1', resolve));
    forgerPort = (forger.address() as AddressInfo).port;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await (await browser.newContext()).newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => forger?.close(resolve));
    await app?.close();
  });

  async function cart(): Promise<string[]> {
    await page.goto(`${appUrl}/cart`);
    return (JSON.parse((await page.locator('body').textContent())!) as { cart: string[] }).cart;
  }

  /** Opens the forging page at `origin` and submits its form; resolves to the app's answer. */
  async function submitForgedForm(origin: string): Promise<{ status: number; body: string }> {
    await page.goto(`${origin}/`);
    const [response] = await Promise.all([page.waitForResponse((candidate) => candidate.url() === `${appUrl}/cart`), page.click('#go')]);
    return { status: response.status(), body: await response.text() };
  }

  it("posts the app's own form with its token, and refuses the same form posted from other origins", async () => {
    await page.goto(`${appUrl}/`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.fill('#item', 'tea');
    const [own] = await Promise.all([page.waitForResponse(`${appUrl}/cart`), page.click('#add-to-cart')]);
    expect(own.status()).toBe(201);
    expect(await cart()).toEqual(['tea']);

    // Another port of the same host: same site, so the Lax session cookie goes along.
    const sameSite = await submitForgedForm(`http://127.0.0.1:${forgerPort}`);
    expect(sameSite.status).toBe(403);
    expect(JSON.parse(sameSite.body)).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Invalid or missing CSRF token' });
    // Another host: cross-site.
    const crossSite = await submitForgedForm(`http://localhost:${forgerPort}`);
    expect(crossSite.status).toBe(403);
    expect(await cart()).toEqual(['tea']);
  });
});
