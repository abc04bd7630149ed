/**
 * One person in a browser context: the actions a user takes through the UI (labels and roles, as a screen
 * reader would find them), and the console errors their page produced.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

export const ARTIFACTS = fileURLToPath(new URL('../../artifacts', import.meta.url));

export class Person {
  readonly errors: string[] = [];

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    public page: Page,
    readonly baseUrl: string,
  ) {}

  static async open(
    browser: Browser,
    baseUrl: string,
    name: string,
    options: { mobile?: boolean } = {},
  ): Promise<Person> {
    const context = await browser.newContext({
      viewport: options.mobile ? { width: 390, height: 800 } : { width: 1200, height: 800 },
      permissions: ['clipboard-read', 'clipboard-write', 'camera'],
    });
    const page = await context.newPage();
    const person = new Person(name, context, page, baseUrl);
    person.watch(page);
    await page.goto(baseUrl);
    return person;
  }

  /** Console errors and uncaught exceptions fail the test at the end. */
  watch(page: Page): void {
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`${this.name}: console: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.errors.push(`${this.name}: page error: ${error.message}`));
  }

  /** A second tab of the same browser profile (same IndexedDB). */
  async newTab(url = this.baseUrl): Promise<Page> {
    const page = await this.context.newPage();
    this.watch(page);
    await page.goto(url);
    return page;
  }

  async create(passphrase: string): Promise<void> {
    const { page } = this;
    await page.getByLabel('Your name').fill(this.name);
    await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
    await page.getByLabel('Passphrase again').fill(passphrase);
    await page.getByRole('button', { name: 'Create my identity' }).click();
    await this.waitUnlocked();
  }

  async waitUnlocked(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add contact', exact: true }).waitFor({ timeout: 30_000 });
  }

  async waitOnline(): Promise<void> {
    await this.page.locator('[data-relay-status="online"]').waitFor({ timeout: 30_000 });
  }

  async unlock(passphrase: string): Promise<void> {
    await this.page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
    await this.page.getByRole('button', { name: 'Unlock', exact: true }).click();
  }

  async lock(): Promise<void> {
    await this.page.getByRole('button', { name: 'Lock Tincan' }).click();
    await this.page.getByRole('heading', { name: 'Unlock' }).waitFor({ timeout: 30_000 });
  }

  async myCode(): Promise<string> {
    await this.page.getByRole('button', { name: 'My code', exact: true }).click();
    const text = await this.page.getByTestId('my-code').textContent();
    return (text ?? '').replace(/\s+/g, '');
  }

  async myLink(): Promise<string> {
    await this.page.getByRole('button', { name: 'My code', exact: true }).click();
    return ((await this.page.getByTestId('my-link').textContent()) ?? '').trim();
  }

  async openAdd(): Promise<void> {
    await this.page.getByRole('button', { name: 'Add contact', exact: true }).click();
  }

  /** Pastes a code or link and checks it; returns the preview (or error) region. */
  async checkCode(text: string): Promise<void> {
    await this.openAdd();
    await this.page.getByLabel('Their code or link').fill(text);
    await this.page.getByRole('button', { name: 'Check code' }).click();
  }

  async sendRequest(): Promise<void> {
    await this.page.getByRole('button', { name: 'Send contact request' }).click();
    await this.page.getByTestId('chat-title').waitFor();
  }

  contactButton(name: string): Locator {
    return this.page.locator(`[data-contact="${name}"]`);
  }

  async openRequest(name: string): Promise<void> {
    await this.page
      .getByRole('button', { name: new RegExp(`^${name}`) })
      .filter({ hasText: 'Wants to add you' })
      .click();
    await this.page.getByTestId('contact-request').waitFor();
  }

  async openChat(name: string): Promise<void> {
    await this.contactButton(name).click();
    await this.page.getByTestId('chat-title').filter({ hasText: name }).waitFor();
  }

  /** Compares safety numbers with `name` (as if read out in person) and marks them verified. */
  async markVerified(name: string): Promise<void> {
    await this.openChat(name);
    await this.page.getByRole('button', { name: 'Safety number' }).click();
    await this.page.getByRole('button', { name: 'The digits match: mark as verified' }).click();
    await this.page.getByRole('button', { name: 'Back to chat' }).click();
  }

  /** The 60 digits shown on the current screen. */
  async safetyDigits(): Promise<string> {
    const text = await this.page.getByTestId('safety-number').textContent();
    return (text ?? '').replace(/\D/g, '');
  }

  async send(text: string): Promise<void> {
    const composer = this.page.getByRole('textbox', { name: /^Message to / });
    await composer.fill(text);
    await composer.press('Enter');
  }

  message(text: string): Locator {
    return this.page.locator('.bubble-row').filter({ hasText: text });
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path, fullPage: false });
    return path;
  }

  async close(): Promise<void> {
    await this.context.close();
  }
}
