/**
 * The relay's response headers as real Chromium reads them: loading a page logs no header warning (an
 * unknown Permissions-Policy feature costs one on every page load, and so does an Integrity-Policy
 * destination Chromium does not know, such as `style`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Relay } from '../../relay/server.ts';
import { startRelay } from '../support/relay-harness.ts';
import { launchChromium } from './support/chromium.ts';

let relay: Relay;
let browser: Browser;
let staticDir: string;
beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), 'tincan-headers-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>headers</title><p>ok</p>\n');
  relay = await startRelay({ staticDir });
  browser = await launchChromium();
});
afterAll(async () => {
  await Promise.all([browser?.close(), relay?.close()]);
  rmSync(staticDir, { recursive: true, force: true });
});

describe('relay headers in Chromium', () => {
  it('a page load logs no Permissions-Policy warning', async () => {
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    await page.goto(relay.httpUrl);
    expect(await page.textContent('p')).toBe('ok');
    // The header is parsed before the document; a warning would already be queued. Give it a moment anyway.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
    expect(messages.filter((m) => /permissions-policy|feature policy/i.test(m))).toEqual([]);
    await page.close();
  });

  it('a page load logs no Integrity-Policy, CSP or Trusted Types warning: Chromium knows every value', async () => {
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
    await page.goto(relay.httpUrl);
    expect(await page.textContent('p')).toBe('ok');
    await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
    expect(messages.filter((m) => /integrity|content.security|trusted.?type/i.test(m))).toEqual([]);
    await page.close();
  });
});
