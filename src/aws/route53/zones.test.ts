import { ChangeResourceRecordSetsCommand, GetHostedZoneCommand, InvalidChangeBatch, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ROUTE53_BATCH_LIMITS, splitIntoBatches } from '../../plan/record-batches.ts';
import type { RecordChange } from '../../plan/types.ts';
import { Route53Applier, observeZone } from './zones.ts';
import { OutcomeUnknownError } from '../lost-answers.ts';

const client = new Route53Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(client);
const txt = (name: string, action: RecordChange['action'] = 'CREATE', value = '"v"'): RecordChange => ({ action, record: { name, type: 'TXT', ttl: 300, values: [value] } });

describe('Route 53 batches (limits from "DNS limitations": 1,000 records, 32,000 characters, UPSERT counts twice)', () => {
  it('splits at 1,000 records, counting an UPSERT twice', () => {
    const creates = Array.from({ length: 1500 }, (_, i) => txt(`r${i}.acmecorp.com`));
    expect(splitIntoBatches(creates).map((b) => b.length)).toEqual([1000, 500]);
    const upserts = Array.from({ length: 1500 }, (_, i) => txt(`r${i}.acmecorp.com`, 'UPSERT'));
    expect(splitIntoBatches(upserts).map((b) => b.length)).toEqual([500, 500, 500]);
  });

  it('splits at 32,000 characters of values', () => {
    const big = Array.from({ length: 10 }, (_, i) => txt(`r${i}.acmecorp.com`, 'CREATE', 'x'.repeat(5000)));
    const batches = splitIntoBatches(big);
    expect(batches.map((b) => b.length)).toEqual([6, 4]);
    for (const b of batches) expect(b.reduce((n, c) => n + c.record.values[0]!.length, 0)).toBeLessThanOrEqual(ROUTE53_BATCH_LIMITS.characters);
  });

  it('keeps the order of changes', () => {
    const changes = Array.from({ length: 5 }, (_, i) => txt(`r${i}.acmecorp.com`));
    expect(splitIntoBatches(changes, { records: 2, characters: 1000 }).flat()).toEqual(changes);
  });
});

describe('Route53Applier (aws-sdk-client-mock)', () => {
  beforeEach(() => mock.reset());

  it('sends one ChangeResourceRecordSets for the batch', async () => {
    mock.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: 'c', Status: 'PENDING', SubmittedAt: new Date() } });
    const results = await new Route53Applier(client).applyBatch('Z1', [txt('a.acmecorp.com'), txt('b.acmecorp.com')]);
    expect(mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
    expect([...results]).toEqual([
      ['a.acmecorp.com', undefined],
      ['b.acmecorp.com', undefined],
    ]);
  });

  it('when AWS rejects the batch, retries one name at a time so one bad record does not block the rest', async () => {
    mock.on(ChangeResourceRecordSetsCommand).callsFake((input: { ChangeBatch: { Changes: { ResourceRecordSet: { Name: string } }[] } }) => {
      if (input.ChangeBatch.Changes.some((c) => c.ResourceRecordSet.Name === 'bad.acmecorp.com')) {
        throw new InvalidChangeBatch({ message: 'RRSet of type TXT with DNS name bad.acmecorp.com. is not permitted', $metadata: {} });
      }
      return { ChangeInfo: { Id: 'c', Status: 'PENDING', SubmittedAt: new Date() } };
    });
    const results = await new Route53Applier(client).applyBatch('Z1', [txt('a.acmecorp.com'), txt('bad.acmecorp.com'), txt('_routeyard-txt.a.acmecorp.com'), txt('c.acmecorp.com')]);
    expect(mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(4); // the batch, then 3 records (a with its registry entry)
    expect(results.get('a.acmecorp.com')).toBeUndefined();
    expect(results.get('c.acmecorp.com')).toBeUndefined();
    expect(results.get('bad.acmecorp.com')).toContain('InvalidChangeBatch');
  });
});

describe('Route53Applier after a lost answer (aws-sdk-client-mock)', () => {
  beforeEach(() => mock.reset());

  it('does not send the batch again: each change is checked against the zone, done or reported', async () => {
    mock.on(ChangeResourceRecordSetsCommand).rejects(new OutcomeUnknownError('Route53.ChangeResourceRecordSets', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
    mock.on(ListResourceRecordSetsCommand).callsFake((input: { StartRecordName: string }) => ({
      IsTruncated: false,
      MaxItems: 1,
      // a.acmecorp.com holds what was written; b.acmecorp.com does not exist yet (the next name sorts after it).
      ResourceRecordSets:
        input.StartRecordName === 'a.acmecorp.com'
          ? [{ Name: 'a.acmecorp.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"v"' }] }]
          : [{ Name: 'c.acmecorp.com.', Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"v"' }] }],
    }));
    const results = await new Route53Applier(client).applyBatch('Z1', [txt('a.acmecorp.com'), txt('b.acmecorp.com')]);
    expect(mock.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(1);
    expect(results.get('a.acmecorp.com')).toBeUndefined();
    expect(results.get('b.acmecorp.com')).toMatch(/not as written yet/);
  });
});

describe('AWS Route 53 rules for change batches (API reference, ChangeResourceRecordSets, InvalidChangeBatch)', () => {
  beforeEach(() => mock.reset());
  const cname = (name: string, value: string): RecordChange => ({ action: 'CREATE', record: { name, type: 'CNAME', ttl: 300, values: [value] } });

  it('AWS refuses a batch that names one record set twice: an identical change asked twice is sent once', () => {
    const shared = cname('_v1.qa.api.py.acmecorp.com', '_w1.acm-validations.aws');
    const batches = splitIntoBatches([shared, txt('a.acmecorp.com'), { ...shared, record: { ...shared.record } }]);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.map((c) => c.record.name)).toEqual(['_v1.qa.api.py.acmecorp.com', 'a.acmecorp.com']);
  });

  it('a record and its registry entry are never split across batches, even at the limits', () => {
    const changes: RecordChange[] = [];
    for (let i = 0; i < 600; i++) changes.push(txt(`r${i}.acmecorp.com`), txt(`_routeyard-txt.r${i}.acmecorp.com`));
    for (const b of splitIntoBatches(changes)) {
      const names = new Set(b.map((c) => c.record.name));
      for (const n of names) if (!n.startsWith('_routeyard-')) expect(names.has(`_routeyard-txt.${n}`), n).toBe(true);
    }
  });

  it('a rejected batch is retried a record at a time WITH its registry entry, and every reason AWS gave is reported', async () => {
    const sent: string[][] = [];
    mock.on(ChangeResourceRecordSetsCommand).callsFake((input: { ChangeBatch: { Changes: { ResourceRecordSet: { Name: string } }[] } }) => {
      const names = input.ChangeBatch.Changes.map((c) => c.ResourceRecordSet.Name);
      sent.push(names);
      if (names.includes('taken.acmecorp.com')) {
        throw new InvalidChangeBatch({
          message: '[Tried to create resource record set [name=\'taken.acmecorp.com.\', type=\'TXT\'] but it already exists]',
          messages: ['Tried to create resource record set [name=\'taken.acmecorp.com.\', type=\'TXT\'] but it already exists', 'second reason'],
          $metadata: {},
        });
      }
      return { ChangeInfo: { Id: 'c', Status: 'PENDING', SubmittedAt: new Date() } };
    });
    const results = await new Route53Applier(client).applyBatch('Z1', [
      txt('taken.acmecorp.com'),
      txt('_routeyard-txt.taken.acmecorp.com'),
      txt('free.acmecorp.com'),
      txt('_routeyard-txt.free.acmecorp.com'),
    ]);
    expect(sent.slice(1)).toEqual([
      ['taken.acmecorp.com', '_routeyard-txt.taken.acmecorp.com'],
      ['free.acmecorp.com', '_routeyard-txt.free.acmecorp.com'],
    ]);
    // The entry of the name someone else took was not written: it shares the record's failure.
    expect(results.get('_routeyard-txt.taken.acmecorp.com')).toMatch(/already exists.*second reason/);
    expect(results.get('free.acmecorp.com')).toBeUndefined();
    expect(results.get('_routeyard-txt.free.acmecorp.com')).toBeUndefined();
  });
});

describe('zones and partitions (Route 53 endpoints, AWS General Reference)', () => {
  beforeEach(() => mock.reset());

  it('a zone named by id must be of the kind it is used as: a private zone given as domain.hostedZone is an error, never a public alias there', async () => {
    mock.on(GetHostedZoneCommand).resolves({ HostedZone: { Id: '/hostedzone/Z0PRIVATE', Name: 'internal.acmecorp.com.', CallerReference: 'x', Config: { PrivateZone: true } } });
    await expect(observeZone(client, 'Z0PRIVATE', false)).rejects.toThrow(/is private, but it is used as a public zone \(domain.hostedZone\)/);
    mock.on(GetHostedZoneCommand).resolves({ HostedZone: { Id: '/hostedzone/Z0PUBLIC', Name: 'acmecorp.com.', CallerReference: 'x', Config: { PrivateZone: false } } });
    await expect(observeZone(client, 'Z0PUBLIC', true)).rejects.toThrow(/is public, but it is used as a private zone/);
  });

  it('the Route 53 client signs for its partition\'s Region: us-east-1, cn-northwest-1, us-gov-west-1', async () => {
    const saved = process.env.AWS_REGION;
    try {
      for (const [region, signing] of [['eu-west-1', 'us-east-1'], ['cn-north-1', 'cn-northwest-1'], ['us-gov-east-1', 'us-gov-west-1']] as const) {
        process.env.AWS_REGION = region;
        const { createAwsClients } = await import('../clients.ts');
        expect(await createAwsClients().route53.config.region()).toBe(signing);
      }
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });
});
