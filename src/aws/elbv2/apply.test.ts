import { DeleteTargetGroupCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Elbv2Applier } from './apply.ts';

// aws-sdk-client-mock: moto frees a target group at once, so the "still in use" window
// AWS has after a rule is deleted can only be shown here.
const client = new ElasticLoadBalancingV2Client({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(client);
const applier = new Elbv2Applier(client);
const inUse = () => Object.assign(new Error('Target group is currently in use by a listener or a rule'), { name: 'ResourceInUseException' });

describe('Elbv2Applier.deleteTargetGroup (aws-sdk-client-mock)', () => {
  beforeEach(() => mock.reset());

  it('retries while the group is still in use, then succeeds', async () => {
    mock.on(DeleteTargetGroupCommand).rejectsOnce(inUse()).rejectsOnce(inUse()).resolves({});
    await applier.deleteTargetGroup('arn:tg/1', 1);
    expect(mock.commandCalls(DeleteTargetGroupCommand)).toHaveLength(3);
  });

  it('does not retry any other error', async () => {
    mock.on(DeleteTargetGroupCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(applier.deleteTargetGroup('arn:tg/1', 1)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(mock.commandCalls(DeleteTargetGroupCommand)).toHaveLength(1);
  });
});
