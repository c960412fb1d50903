import { AddTagsToResourceCommand, DeleteParameterCommand, GetParameterCommand, ListTagsForResourceCommand, ParameterAlreadyExists, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { HttpResponse } from '@smithy/protocol-http';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { SsmOutputsApplier } from './outputs.ts';

// aws-sdk-client-mock: a lost answer retried by the SDK (the second attempt meets the
// parameter the first one made) cannot be arranged against moto.
const client = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(client);
const applier = new SsmOutputsApplier(client);

const NAME = '/acmecorp/routeyard/services/a/target-group-arn';
const VALUE = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ry-a-1/0123456789abcdef';
const TAGS = { 'routeyard:owner': 'acmecorp-qa', 'routeyard:service': 'a' };
const TAG_LIST = [
  { Key: 'routeyard:owner', Value: 'acmecorp-qa' },
  { Key: 'routeyard:service', Value: 'a' },
];
const exists = () => new ParameterAlreadyExists({ message: 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.', $metadata: {} });

/** The parameter as SSM holds it once the first (answer lost) attempt made it. */
function existing(value: string, tags: { Key: string; Value: string }[]) {
  mock.on(PutParameterCommand, { Overwrite: false }).rejects(exists());
  mock.on(PutParameterCommand, { Overwrite: true }).resolves({ Version: 2 });
  mock.on(GetParameterCommand, { Name: NAME }).resolves({ Parameter: { Name: NAME, Value: value, Type: 'String' } });
  mock.on(ListTagsForResourceCommand, { ResourceType: 'Parameter', ResourceId: NAME }).resolves({ TagList: tags });
  mock.on(AddTagsToResourceCommand).resolves({});
}

const puts = () => mock.commandCalls(PutParameterCommand).map((c) => c.args[0].input);

describe('SsmOutputsApplier.putParameter (aws-sdk-client-mock)', () => {
  beforeEach(() => mock.reset());

  it('a create sends the tags and Overwrite false (AWS refuses both together with Overwrite true), and nothing else', async () => {
    mock.on(PutParameterCommand).resolves({ Version: 1 });
    await applier.putParameter({ name: NAME, value: VALUE, overwrite: false, tags: TAGS });
    expect(puts()).toEqual([{ Name: NAME, Value: VALUE, Type: 'String', Overwrite: false, Tags: TAG_LIST }]);
    expect(mock.calls()).toHaveLength(1);
  });

  it('an overwrite sends Overwrite true and no tags', async () => {
    mock.on(PutParameterCommand).resolves({ Version: 3 });
    await applier.putParameter({ name: NAME, value: VALUE, overwrite: true, tags: TAGS });
    expect(puts()).toEqual([{ Name: NAME, Value: VALUE, Type: 'String', Overwrite: true }]);
    expect(mock.calls()).toHaveLength(1);
  });

  it('ParameterAlreadyExists with this owner\'s tags and the same value: success, no further write', async () => {
    existing(VALUE, TAG_LIST);
    await applier.putParameter({ name: NAME, value: VALUE, overwrite: false, tags: TAGS });
    expect(puts()).toHaveLength(1);
    expect(mock.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(mock.commandCalls(ListTagsForResourceCommand)).toHaveLength(1);
    expect(mock.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
  });

  it('ParameterAlreadyExists with this owner\'s tag and another value: overwritten with the value sent', async () => {
    existing('arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/older/1', TAG_LIST);
    await applier.putParameter({ name: NAME, value: VALUE, overwrite: false, tags: TAGS });
    expect(puts()).toEqual([
      { Name: NAME, Value: VALUE, Type: 'String', Overwrite: false, Tags: TAG_LIST },
      { Name: NAME, Value: VALUE, Type: 'String', Overwrite: true },
    ]);
    expect(mock.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
  });

  it('ParameterAlreadyExists with the owner tag but not the service tag: the tags are completed, the owner tag in the request (the task role requires it)', async () => {
    existing(VALUE, [TAG_LIST[0]!]);
    await applier.putParameter({ name: NAME, value: VALUE, overwrite: false, tags: TAGS });
    expect(puts()).toHaveLength(1);
    expect(mock.commandCalls(AddTagsToResourceCommand).map((c) => c.args[0].input)).toEqual([{ ResourceType: 'Parameter', ResourceId: NAME, Tags: TAG_LIST }]);
  });

  for (const [label, tags] of [
    ['no tags', []],
    ['another RouteSet\'s owner tag', [{ Key: 'routeyard:owner', Value: 'someone-else' }, TAG_LIST[1]!]],
    ['only the service tag', [TAG_LIST[1]!]],
  ] as const) {
    it(`ParameterAlreadyExists with ${label}: throws, and writes nothing (whatever the value)`, async () => {
      existing('theirs', [...tags]);
      await expect(applier.putParameter({ name: NAME, value: VALUE, overwrite: false, tags: TAGS })).rejects.toThrow(/routeyard does not own it/);
      expect(puts()).toHaveLength(1);
      expect(mock.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
      existing(VALUE, [...tags]);
      await expect(applier.putParameter({ name: NAME, value: VALUE, overwrite: false, tags: TAGS })).rejects.toThrow(/routeyard does not own it/);
      expect(mock.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
      expect(puts().filter((p) => p.Overwrite)).toEqual([]);
    });
  }

  it('any other error of the create is thrown as it is, with nothing read or written after it', async () => {
    mock.on(PutParameterCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(applier.putParameter({ name: NAME, value: VALUE, overwrite: false, tags: TAGS })).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(mock.calls()).toHaveLength(1);
  });

  it('deleteParameter deletes by name', async () => {
    mock.on(DeleteParameterCommand).resolves({});
    await applier.deleteParameter(NAME);
    expect(mock.commandCalls(DeleteParameterCommand).map((c) => c.args[0].input)).toEqual([{ Name: NAME }]);
  });
});

describe('SsmOutputsApplier.putParameter through the real SDK retry (fake transport)', () => {
  /**
   * SSM itself, as far as these calls go: the first PutParameter makes the parameter but its
   * answer is lost (a 500 the SDK retries); the retry meets ParameterAlreadyExists.
   */
  function lostAnswerTransport(initialTags: { Key: string; Value: string }[] | 'from-request') {
    const store = new Map<string, { value: string; tags: { Key: string; Value: string }[] }>();
    const seen: { target: string; body: Record<string, unknown> }[] = [];
    let puts = 0;
    const answer = (statusCode: number, body: unknown) => ({
      response: new HttpResponse({ statusCode, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Readable.from([Buffer.from(JSON.stringify(body))]) }),
    });
    const handler = {
      handle: async (req: { headers: Record<string, string>; body: string | Uint8Array | undefined }) => {
        const target = req.headers['x-amz-target'] ?? '';
        const text = req.body instanceof Uint8Array ? new TextDecoder().decode(req.body) : (req.body ?? '{}');
        const body = JSON.parse(text) as Record<string, unknown>;
        seen.push({ target, body });
        const name = String(body.Name ?? body.ResourceId ?? '');
        if (target.endsWith('.PutParameter')) {
          puts++;
          if (store.has(name) && body.Overwrite !== true) return answer(400, { __type: 'ParameterAlreadyExists', message: 'The parameter already exists.' });
          const tags = initialTags === 'from-request' ? ((body.Tags as { Key: string; Value: string }[] | undefined) ?? []) : initialTags;
          store.set(name, { value: String(body.Value), tags: store.get(name)?.tags ?? tags });
          if (puts === 1) return answer(500, { __type: 'InternalServerError', message: 'the answer is lost' });
          return answer(200, { Version: puts, Tier: 'Standard' });
        }
        if (target.endsWith('.GetParameter')) return answer(200, { Parameter: { Name: name, Value: store.get(name)?.value, Type: 'String', Version: 1 } });
        if (target.endsWith('.ListTagsForResource')) return answer(200, { TagList: store.get(name)?.tags ?? [] });
        return answer(400, { __type: 'ValidationException', message: `unexpected ${target}` });
      },
    };
    const ssm = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 3, requestHandler: handler as never });
    return { ssm, seen, store };
  }

  it('our own parameter, made by the attempt whose answer was lost, counts as created: no overwrite, no tag call', async () => {
    const t = lostAnswerTransport('from-request');
    await new SsmOutputsApplier(t.ssm).putParameter({ name: NAME, value: VALUE, overwrite: false, tags: TAGS });
    // Two attempts of the create (the SDK's retry), then the two reads: nothing else.
    expect(t.seen.slice(0, 2).map((s) => s.target)).toEqual(['AmazonSSM.PutParameter', 'AmazonSSM.PutParameter']);
    expect(t.seen.slice(2).map((s) => s.target).sort()).toEqual(['AmazonSSM.GetParameter', 'AmazonSSM.ListTagsForResource']);
    expect(t.seen.filter((s) => s.body.Overwrite === true)).toEqual([]);
    expect(t.store.get(NAME)).toEqual({ value: VALUE, tags: TAG_LIST });
  });

  it('a parameter someone else made meanwhile (no owner tag) is refused and left as it is', async () => {
    const t = lostAnswerTransport([]);
    await expect(new SsmOutputsApplier(t.ssm).putParameter({ name: NAME, value: VALUE, overwrite: false, tags: TAGS })).rejects.toThrow(/routeyard does not own it/);
    expect(t.seen.filter((s) => s.body.Overwrite === true || s.target.endsWith('.AddTagsToResource'))).toEqual([]);
  });
});
