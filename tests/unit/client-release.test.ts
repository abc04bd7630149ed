/**
 * The page's release model (client/state/release.ts) over a fake release worker: what it shows, "Later",
 * and that accepting reloads the page only once the worker runs the accepted release.
 */
import { describe, expect, it } from 'vitest';
import type { ReleaseWorker } from '../../client/services/release-worker.ts';
import { createReleaseModel } from '../../client/state/release.ts';
import type { ReleaseRequest, ReleaseStatus } from '../../client/sw/messages.ts';

const A = { version: '0.1.0', hash: 'a'.repeat(64), signed: true };
const B = { version: '0.2.0', hash: 'b'.repeat(64), signed: true };

function fakeWorker(answers: (request: ReleaseRequest) => ReleaseStatus) {
  const asked: ReleaseRequest[] = [];
  const worker: ReleaseWorker = {
    ask: async (request) => {
      asked.push(request);
      return answers(request);
    },
  };
  return { worker, asked };
}

const status = (over: Partial<ReleaseStatus> = {}): ReleaseStatus => ({
  trust: 'signed',
  releaseKey: 'c'.repeat(64),
  running: A,
  offer: null,
  refusal: null,
  ...over,
});

describe('the release model', () => {
  it('asks for the status, then a check, and shows what the check said', async () => {
    const { worker, asked } = fakeWorker((r) =>
      r.type === 'check' ? status({ refusal: { reason: 'unsigned', version: '0.1.0' } }) : status(),
    );
    const model = createReleaseModel({ startWorker: async () => worker, reload: () => {} });
    await model.start();
    expect(asked.map((r) => r.type)).toEqual(['status', 'check']);
    expect(model.status.value?.refusal?.reason).toBe('unsigned');
    expect(model.unpinned.value).toBe(false);
  });

  it('is unpinned when no worker starts', async () => {
    const model = createReleaseModel({
      startWorker: () => Promise.reject(new Error('no worker')),
      reload: () => {},
    });
    await model.start();
    expect(model.unpinned.value).toBe(true);
    expect(model.status.value).toBeNull();
  });

  it('"Later" hides this offer for the page; a different offer shows again', async () => {
    let offer = B;
    const { worker } = fakeWorker(() => status({ offer }));
    const model = createReleaseModel({ startWorker: async () => worker, reload: () => {} });
    await model.start();
    expect(model.offer.value).toEqual(B);
    model.later();
    expect(model.offer.value).toBeNull();
    await model.check();
    expect(model.offer.value).toBeNull();
    offer = { ...B, version: '0.3.0', hash: 'c'.repeat(64) };
    await model.check();
    expect(model.offer.value?.version).toBe('0.3.0');
  });

  it('accepting reloads only when the worker then runs the accepted release', async () => {
    let reloads = 0;
    let switches = true;
    const { worker, asked } = fakeWorker((r) =>
      r.type === 'accept'
        ? status({ running: switches ? B : A, offer: switches ? null : B })
        : status({ offer: B }),
    );
    const model = createReleaseModel({ startWorker: async () => worker, reload: () => reloads++ });
    await model.start();
    switches = false;
    await model.accept();
    expect(reloads).toBe(0);
    expect(model.accepting.value).toBe(false);
    switches = true;
    await model.accept();
    expect(asked.at(-1)).toEqual({ type: 'accept', hash: B.hash });
    expect(reloads).toBe(1);
  });
});
