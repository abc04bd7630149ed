/**
 * The test build of the app (tests/e2e/support/call-setup.ts buildTestClient): the product's own start, with
 * call dependencies that misbehave when a test asks them to. A page sets `globalThis.tincanCallHooks` (before
 * or during the session: it is read at each use) and reads the session's call model from
 * `globalThis.tincanCalls`. None of this is in the product's build (tests/integration/client-bundle.test.ts).
 */
import { CallService } from '../../../../client/services/rtc/call-service.ts';
import { startApp } from '../../../../client/start-app.tsx';
import { type CallTestHooks, delayFirstTracks, misbehavingCallDeps } from './misbehaving-calls.ts';

const page = globalThis as { tincanCallHooks?: CallTestHooks; tincanCalls?: unknown };
const hooks = (): CallTestHooks => page.tincanCallHooks ?? {};

delayFirstTracks(hooks);
const app = startApp({ createCallService: (deps) => new CallService(misbehavingCallDeps(deps, hooks)) });
Object.defineProperty(globalThis, 'tincanCalls', { get: () => app.session.value?.calls });
Object.defineProperty(globalThis, 'tincanGroupCalls', { get: () => app.session.value?.groupCalls });
