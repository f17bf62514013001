import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageEvent } from '../support/fuzz/case.ts';
import { DEDUP_WINDOW_MS, Ledger } from '../support/fuzz/ledger.ts';

// The webhook fuzz's verdict on the queue (test/integration/fuzz.test.ts) is only as good as this check, so it is
// shown here to catch what it must: strays, invalid events, wrong content, losses and doubles.
const sample = JSON.parse(readFileSync(new URL('../../events/samples/image.pushed.json', import.meta.url), 'utf8'));
const { registry, repository, tag, digest, producer } = sample.data;
const meant = imageEvent({ id: sample.id, producer, registry, repository, tag, digest });
const body = JSON.stringify(sample);

describe('fuzz ledger', () => {
  it('one message for an id accepted twice within the dedup window is right; none or two are not', () => {
    const ledger = new Ledger();
    ledger.accept('distribution', sample.id, 0, 'deploy', meant);
    ledger.accept('distribution', sample.id, 1000, 'deploy', meant);
    expect(ledger.check([body])).toEqual([]);
    expect(ledger.enqueued).toEqual({ distribution: 1 });
    expect(ledger.check([])).toEqual([
      `event "${sample.id}" enqueued 0 times on deploy, accepted 2 times for it (expected 1)`,
    ]);
    expect(new Ledger().check([body])).toEqual([`an event no 202 named: "${sample.id}"`]);
  });

  it('accepted again after the window, the id may be enqueued twice', () => {
    const ledger = new Ledger();
    ledger.accept('distribution', sample.id, 0, 'deploy', meant);
    ledger.accept('distribution', sample.id, DEDUP_WINDOW_MS + 60_000, 'deploy', meant);
    expect(ledger.check([body, body])).toEqual([]);
  });

  it('one id for events of two queues is counted per queue: the FIFO one deduplicates, the standard one keeps each', () => {
    const lost = JSON.parse(readFileSync(new URL('../../events/samples/node.lost.json', import.meta.url), 'utf8'));
    const nodeLost = JSON.stringify({ ...lost, id: sample.id });
    const ledger = new Ledger();
    const any = () => undefined;
    ledger.accept('events', sample.id, 0, 'deploy', meant);
    ledger.accept('events', sample.id, 10, 'heal', undefined, any);
    ledger.accept('events', sample.id, 20, 'heal', undefined, any);
    expect(ledger.check([body, nodeLost, nodeLost])).toEqual([]);
    expect(ledger.check([body, nodeLost])).toEqual([
      `event "${sample.id}" enqueued 1 times on heal, accepted 2 times for it (expected 2)`,
    ]);
  });

  it('an invalid event, or another event under an accepted id, is a problem', () => {
    const ledger = new Ledger();
    ledger.accept('distribution', sample.id, 0, 'deploy', meant);
    const other = JSON.stringify({ ...sample, data: { ...sample.data, tag: 'v9' } });
    expect(ledger.check([other])[0]).toMatch(/is none of the requests accepted for it: got .*v9/);
    expect(ledger.check([JSON.stringify({ ...sample, specversion: '0.3' })])[0]).toMatch(/^an invalid event enqueued/);
  });
});
