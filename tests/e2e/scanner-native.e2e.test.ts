/**
 * The scanner where the browser has a native QR decoder. Chromium on Linux has no BarcodeDetector, so each page
 * here gets one from an init script: it answers from a value the test chooses, and records what the app asked
 * of it. What is proven is the app's side: it uses BarcodeDetector when it lists `qr_code` (and then never
 * fetches the JS decoder), feeds it live camera frames, and treats its answer like any other scan; and it falls
 * back to the JS decoder when the detector does not know QR codes.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { contactLink, encodeContactCode } from '../../crypto/contact-code.ts';
import type { Relay } from '../../relay/server.ts';
import { testIdentity } from '../support/identities.ts';
import { type BuiltClient, buildClient } from './support/build-client.ts';
import { launchChromium } from './support/chromium.ts';
import { textOf, visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { startRelay } from './support/relay.ts';

vi.setConfig({
  testTimeout: 90_000,
  hookTimeout: 120_000,
  expect: { poll: { timeout: 15_000, interval: 100 } },
});

interface DetectorRecord {
  formats: string[][];
  /** Width × height of each source passed to detect(), and its kind. */
  sources: string[];
}

/** Installs a BarcodeDetector that knows `formats` and reads `value` from any non-empty frame. */
function fakeDetector(formats: string[], value: string): string {
  return `(() => {
    const record = { formats: [], sources: [] };
    globalThis.detectorRecord = record;
    globalThis.BarcodeDetector = class {
      static async getSupportedFormats() { return ${JSON.stringify(formats)}; }
      constructor(options) { record.formats.push(options.formats); }
      async detect(source) {
        const w = source.videoWidth ?? source.width, h = source.videoHeight ?? source.height;
        record.sources.push(source.constructor.name + ' ' + w + 'x' + h);
        return w > 0 && h > 0 ? [{ rawValue: ${JSON.stringify(value)} }] : [];
      }
    };
  })();`;
}

let client: BuiltClient;
let relay: Relay;
let browser: Browser;
let link: string;

beforeAll(async () => {
  [client, browser] = await Promise.all([buildClient(), launchChromium()]);
  relay = await startRelay(client.dir);
  const frank = await testIdentity('scanner-native-frank');
  link = contactLink(relay.httpUrl, encodeContactCode({ publicKey: frank.publicKey, displayName: 'Frank' }));
});

afterAll(async () => {
  await browser?.close();
  await relay?.close();
  await client?.remove();
});

async function scanningPerson(name: string, formats: string[]): Promise<Person> {
  const person = await Person.open(browser, relay.httpUrl, name);
  await person.context.addInitScript(fakeDetector(formats, link));
  await person.page.reload();
  await person.create(`${name} passphrase`);
  await person.openAdd();
  await person.page.getByRole('button', { name: 'Scan QR code' }).click();
  return person;
}

const fetchedJsQr = (person: Person) =>
  person.page.evaluate(() =>
    performance.getEntriesByType('resource').some((entry) => /jsQR/i.test(entry.name)),
  );

describe('scanning with the browser’s BarcodeDetector', () => {
  test('a detector that knows QR codes reads the camera; the JS decoder is never fetched', async () => {
    const grace = await scanningPerson('Grace', ['ean_13', 'qr_code']);
    await expect.poll(textOf(grace.page.getByTestId('add-preview'))).toContain('Frank');
    await visible(grace.page.getByText('Scanned in person'));
    const record = await grace.page.evaluate(
      () => (globalThis as unknown as { detectorRecord: DetectorRecord }).detectorRecord,
    );
    expect(record.formats).toEqual([['qr_code']]);
    // Live frames of the (fake) camera, at the camera's size.
    expect(record.sources.length).toBeGreaterThan(0);
    expect(record.sources[0]).toMatch(/^HTMLVideoElement [1-9]\d*x[1-9]\d*$/);
    expect(await fetchedJsQr(grace)).toBe(false);
    await grace.sendRequest();
    // Scanned in person: the new contact starts verified, under the scanned key.
    await visible(grace.contactButton('Frank').locator('.badge.verified'));
    expect(await grace.page.getByTestId('add-preview').count()).toBe(0);
    expect(grace.errors).toEqual([]);
    await grace.close();
  });

  test('a detector without QR codes is not used: the JS decoder is fetched instead', async () => {
    const heidi = await scanningPerson('Heidi', ['ean_13']);
    await expect.poll(() => fetchedJsQr(heidi)).toBe(true);
    const record = await heidi.page.evaluate(
      () => (globalThis as unknown as { detectorRecord: DetectorRecord }).detectorRecord,
    );
    expect(record.formats).toEqual([]);
    expect(record.sources).toEqual([]);
    // jsQR finds no code in Chromium's default fake camera picture: no preview appears.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await heidi.page.getByTestId('add-preview').count()).toBe(0);
    expect(heidi.errors).toEqual([]);
    await heidi.close();
  });
});
