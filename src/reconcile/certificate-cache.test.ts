import { describe, expect, it } from 'vitest';
import type { ObservedCertificate } from '../model/observed.ts';
import { CertificateCache } from './certificate-cache.ts';
import type { Observer } from './ports.ts';

const issued = (arn: string, over: Partial<ObservedCertificate> = {}): ObservedCertificate => ({ arn, names: ['a.example.com'], status: 'ISSUED', validation: [], tags: {}, ...over });

/** An observer whose certificates() answers `answer()` and counts its calls; nothing else is used. */
function observer(answer: () => ObservedCertificate[]) {
  let reads = 0;
  const o = {
    certificates: async () => {
      reads++;
      return answer();
    },
  } as unknown as Observer;
  return { o, reads: () => reads };
}

describe('CertificateCache', () => {
  it('reuses a settled answer for the same question until its age runs out, and says when it was read', async () => {
    let t = 1_000;
    const cache = new CertificateCache({ maxAgeMs: 60_000, now: () => t });
    const inner = observer(() => [issued('arn:1')]);
    const first = cache.forPass(inner.o);
    await first.observer.certificates(['a.example.com'], [], 'o');
    expect(first.reusedFrom()).toBeUndefined();
    t = 30_000;
    const second = cache.forPass(inner.o);
    const again = await second.observer.certificates(['a.example.com'], [], 'o');
    expect(again).toEqual([issued('arn:1')]);
    expect(second.reusedFrom()).toBe(1_000);
    expect(inner.reads()).toBe(1);
    // Another question is read.
    await cache.forPass(inner.o).observer.certificates(['b.example.com'], [], 'o');
    expect(inner.reads()).toBe(2);
    t = 30_000 + 60_000;
    await cache.forPass(inner.o).observer.certificates(['b.example.com'], [], 'o');
    expect(inner.reads()).toBe(3);
  });

  it('a pass that ignores the age (a hint pass) takes an old answer; invalidate() still makes it read', async () => {
    let t = 0;
    const cache = new CertificateCache({ maxAgeMs: 60_000, now: () => t });
    const inner = observer(() => [issued('arn:1')]);
    await cache.forPass(inner.o).observer.certificates([], [], 'o');
    t = 3_600_000;
    const hint = cache.forPass(inner.o, { ignoreAge: true });
    await hint.observer.certificates([], [], 'o');
    expect(hint.reusedFrom()).toBe(0);
    expect(inner.reads()).toBe(1);
    cache.invalidate();
    await cache.forPass(inner.o, { ignoreAge: true }).observer.certificates([], [], 'o');
    expect(inner.reads()).toBe(2);
  });

  it('reads again after invalidate() (a write, a hint, a document change)', async () => {
    const cache = new CertificateCache({ maxAgeMs: 60_000 });
    const inner = observer(() => [issued('arn:1')]);
    await cache.forPass(inner.o).observer.certificates([], ['arn:1'], 'o');
    cache.invalidate();
    await cache.forPass(inner.o).observer.certificates([], ['arn:1'], 'o');
    expect(inner.reads()).toBe(2);
  });

  it('never reuses an answer with an unsettled certificate: pending validation, unreadable, being renewed', async () => {
    for (const unsettled of [issued('arn:2', { status: 'PENDING_VALIDATION' }), issued('arn:2', { readError: 'Throttling' }), issued('arn:2', { renewalStatus: 'PENDING_AUTO_RENEWAL' })]) {
      const cache = new CertificateCache({ maxAgeMs: 60_000 });
      const inner = observer(() => [issued('arn:1'), unsettled]);
      await cache.forPass(inner.o).observer.certificates([], [], 'o');
      await cache.forPass(inner.o).observer.certificates([], [], 'o');
      expect(inner.reads()).toBe(2);
    }
  });

  it('a reused answer is a copy: what a pass does with it does not change the next', async () => {
    const cache = new CertificateCache({ maxAgeMs: 60_000 });
    const inner = observer(() => [issued('arn:1')]);
    const mine = await cache.forPass(inner.o).observer.certificates([], [], 'o');
    mine[0]!.names.push('changed');
    const next = await cache.forPass(inner.o).observer.certificates([], [], 'o');
    expect(next[0]!.names).toEqual(['a.example.com']);
    next[0]!.status = 'EXPIRED';
    expect((await cache.forPass(inner.o).observer.certificates([], [], 'o'))[0]!.status).toBe('ISSUED');
  });
});
