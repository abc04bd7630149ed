/**
 * The scanner where the browser has a native QR decoder. Chromium on Linux has no BarcodeDetector, so each page
 * here gets one from an init script: it answers from a value the test chooses, and records what the app asked
 * of it. What is proven is the app's side: it uses BarcodeDetector when it lists `qr_code` (and then never
 * fetches the JS decoder), feeds it live camera frames, and treats its answer like any other scan; and it falls
 * back to the JS decoder when the detector does not know QR codes.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { contactLink, encodeContactCode } from '../../crypto/contact-code.ts';
import { testIdentity } from '../support/identities.ts';
import { textOf, visible } from './support/expect.ts';
import { Person } from './support/person.ts';
import { closeStage, openStage, type Stage, useBrowserTimeouts } from './support/stage.ts';

useBrowserTimeouts();

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

let stage: Stage;
let link: string;

beforeAll(async () => {
  stage = await openStage();
  const frank = await testIdentity('scanner-native-frank');
  link = contactLink(
    stage.relay.httpUrl,
    encodeContactCode({ publicKey: frank.publicKey, displayName: 'Frank' }),
  );
});

afterAll(() => closeStage(stage, []));

async function scanningPerson(name: string, formats: string[]): Promise<Person> {
  const person = await Person.open(stage.browser, stage.relay.httpUrl, name);
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
