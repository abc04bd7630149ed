/**
 * Setting up people for calls, without any test runner: the test build of the client (test-client/, whose
 * calls misbehave on request), Chromium with real loopback WebRTC, and people who are contacts. Used by the
 * call e2e suites and the calls benchmark.
 */
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { type BuiltClient, buildClient } from './build-client.ts';
import { launchChromium } from './chromium.ts';
import { Person } from './person.ts';
import type { CallTestHooks } from './test-client/misbehaving-calls.ts';

/** Host candidates on 127.0.0.1, not mDNS names, and loopback allowed (the recipes). */
export const WEBRTC_ARGS = [
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

/** The app from test-client/index.html: the product's start with misbehaving call dependencies. */
export const buildTestClient = (): Promise<BuiltClient> =>
  buildClient(fileURLToPath(new URL('./test-client', import.meta.url)));

export const launchForCalls = (extraArgs: readonly string[] = []): Promise<Browser> =>
  launchChromium([...WEBRTC_ARGS, ...extraArgs]);

/**
 * Chromium's fake capture with three cameras instead of one. fake_device_0 gives I420 frames; fake_device_1
 * gives Y16 (a depth format: a sender given it encodes nothing); fake_device_2 gives MJPEG, a second usable
 * camera.
 */
export const MORE_FAKE_CAMERAS = '--use-fake-device-for-media-stream=device-count=3';

/** Opens a person and installs an (empty, mutable) hooks object before their session starts. */
export async function caller(
  browser: Browser,
  url: string,
  name: string,
  options: { mobile?: boolean } = {},
): Promise<Person> {
  const person = await Person.open(browser, url, name, options);
  await person.page.evaluate(() => {
    (globalThis as { tincanCallHooks?: object }).tincanCallHooks = {};
  });
  return person;
}

export async function setHooks(person: Person, hooks: CallTestHooks): Promise<void> {
  await person.page.evaluate(
    (next) => {
      const target = (globalThis as { tincanCallHooks?: Record<string, unknown> }).tincanCallHooks!;
      for (const key of Object.keys(target)) delete target[key];
      Object.assign(target, next);
    },
    hooks as Record<string, unknown>,
  );
}

/** Both create identities, then `a` adds `b` and `b` accepts: contacts, neither verified. */
export async function makeContacts(a: Person, b: Person): Promise<void> {
  await a.checkCode(await b.myCode());
  await a.sendRequest();
  await b.openRequest(a.name);
  await b.page.getByRole('button', { name: 'Accept' }).click();
  await b.page.getByTestId('chat-title').filter({ hasText: a.name }).waitFor();
  await a.page.getByPlaceholder(`Message ${b.name}`).waitFor({ timeout: 30_000 });
}

export const callButton = (person: Person, media: 'audio' | 'video', name: string) =>
  person.page.getByRole('button', { name: `${media === 'video' ? 'Video' : 'Audio'} call with ${name}` });
