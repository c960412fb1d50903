import { ACMClient, DeleteCertificateCommand, DescribeCertificateCommand, RequestCertificateCommand } from '@aws-sdk/client-acm';
import { ApiGatewayV2Client, CreateApiCommand, CreateDomainNameCommand, CreateIntegrationCommand, DeleteDomainNameCommand, type ProtocolType } from '@aws-sdk/client-apigatewayv2';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateVpcCommand, EC2Client, type Tenancy } from '@aws-sdk/client-ec2';
import { CreateRuleCommand, CreateTargetGroupCommand, DescribeRulesCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, ListResourceRecordSetsCommand, Route53Client, type Change, type RRType } from '@aws-sdk/client-route-53';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, type QueueAttributeName } from '@aws-sdk/client-sqs';
import { GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SharedPlatform } from '../support/bootstrap.ts';
import { freshEmulator } from '../support/harness.ts';

/**
 * The moto launcher (test/support/moto_launcher.py) answers as AWS does where moto is
 * lenient: every request to a service routeyard calls is checked against its operation's
 * model in botocore (required members, lengths, list counts, ranges, patterns, enums) and
 * refused with the error that service's protocol carries (the SDK names it); Route 53
 * refuses a change batch that changes one record set twice; ACM refuses to delete a
 * certificate an API Gateway custom domain uses, and for a while after that domain is
 * deleted. These tests send the raw SDK requests that break each rule.
 */
const elbv2 = () => new ElasticLoadBalancingV2Client({});
const ssm = () => new SSMClient({});
const acm = () => new ACMClient({});
const apigw = () => new ApiGatewayV2Client({});
const r53 = () => new Route53Client({ region: 'us-east-1' });
const ddb = () => new DynamoDBClient({});
const sqs = () => new SQSClient({});
const s3 = () => new S3Client({ forcePathStyle: true });
const ec2 = () => new EC2Client({});

let platform: SharedPlatform;

/** The error a request was refused with (fails the test if the request was accepted). */
async function refusal(request: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await request;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the request was accepted');
}

async function expectRefused(request: Promise<unknown>, name: string, ...fragments: string[]): Promise<void> {
  const err = await refusal(request);
  expect(err.name).toBe(name);
  expect(err.$metadata?.httpStatusCode).toBe(400);
  for (const f of fragments) expect(err.message).toContain(f);
}

const rule = (Priority: number) =>
  new CreateRuleCommand({
    ListenerArn: platform.listenerArn,
    Priority,
    Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: [`/p${Priority}/*`] } }],
    Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '200' } }],
  });

/** A name of exactly `length` octets under acmecorp.com, in labels of at most 10 characters. */
function nameOfLength(length: number): string {
  const suffix = '.acmecorp.com';
  let head = '';
  while (head.length < length - suffix.length) head += head.length % 11 === 10 ? '.' : 'a';
  if (head.endsWith('.')) head = `${head.slice(0, -1)}b`;
  return head + suffix;
}

const cname = (name: string, value: string, Action: Change['Action'] = 'UPSERT'): Change => ({
  Action,
  ResourceRecordSet: { Name: name, Type: 'CNAME', TTL: 300, ResourceRecords: [{ Value: value }] },
});

describe('the launcher checks every request against the service model, as AWS does', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  it('ELBv2 refuses a rule priority outside 1..50000 with ValidationError, and takes 1 and 50000', async () => {
    await expectRefused(elbv2().send(rule(0)), 'ValidationError', "Value '0' at 'priority'", 'greater than or equal to 1');
    await expectRefused(elbv2().send(rule(50001)), 'ValidationError', "Value '50001' at 'priority'", 'less than or equal to 50000');
    await elbv2().send(rule(1));
    await elbv2().send(rule(50000));
    const rules = (await elbv2().send(new DescribeRulesCommand({ ListenerArn: platform.listenerArn }))).Rules ?? [];
    expect(rules.map((r) => r.Priority).sort()).toEqual(['1', '50000', 'default']);
  });

  it('ELBv2 refuses a tag value outside the tag character set and an unknown enum value', async () => {
    const group = (Value: string, Protocol = 'HTTP') =>
      elbv2().send(new CreateTargetGroupCommand({ Name: 'tagged', Port: 80, Protocol: Protocol as 'HTTP', VpcId: platform.vpcId, TargetType: 'ip', Tags: [{ Key: 'routeyard:note', Value }] }));
    await expectRefused(group('{"json":1}'), 'ValidationError', "at 'tags.1.member.value'", 'regular expression pattern');
    await expectRefused(group('fine', 'HTTP3'), 'ValidationError', "Value 'HTTP3' at 'protocol'", 'enum value set');
    await group('letters ünïcode digits 42 and _.:/=+-@');
  });

  it('SSM refuses a parameter name over 2048 characters, more than 10 names in GetParameters, and a missing name, with ValidationException', async () => {
    const long = `/${'n'.repeat(2048)}`;
    await expectRefused(ssm().send(new PutParameterCommand({ Name: long, Value: 'v', Type: 'String' })), 'ValidationException', "at 'name'", 'length less than or equal to 2048');
    const names = Array.from({ length: 11 }, (_, i) => `/p/${i}`);
    await expectRefused(ssm().send(new GetParametersCommand({ Names: names })), 'ValidationException', "at 'names'", 'length less than or equal to 10');
    await expectRefused(ssm().send(new GetParameterCommand({} as { Name: string })), 'ValidationException', "Value null at 'name'", 'must not be null');
  });

  it('SSM never echoes a SecureString value in the refusal', async () => {
    const err = await refusal(ssm().send(new PutParameterCommand({ Name: '/x', Value: 'hunter2-secret', Type: 'SecureString', Tier: 'Bogus' as 'Standard' })));
    expect(err.name).toBe('ValidationException');
    expect(err.message).toContain("at 'tier'");
    expect(err.message).not.toContain('hunter2');
  });

  it('ACM refuses a certificate domain name over 64 octets (the common name limit), a label over 63 characters, and a tag outside the tag character set', async () => {
    const seventy = nameOfLength(70);
    expect(seventy).toHaveLength(70);
    await expectRefused(acm().send(new RequestCertificateCommand({ DomainName: seventy, ValidationMethod: 'DNS' })), 'ValidationException', "at 'domainName'", 'less than or equal to 64');
    await expectRefused(acm().send(new RequestCertificateCommand({ DomainName: `${'l'.repeat(64)}.acmecorp.com`, ValidationMethod: 'DNS' })), 'ValidationException', 'regular expression pattern');
    await expectRefused(
      acm().send(new RequestCertificateCommand({ DomainName: 'tags.acmecorp.com', ValidationMethod: 'DNS', Tags: [{ Key: 'routeyard:owner', Value: 'a,b' }] })),
      'ValidationException',
      "at 'tags.1.member.value'",
    );
    // 64 octets exactly, with the longer name as a subject alternative name, is what AWS takes.
    const ok = await acm().send(new RequestCertificateCommand({ DomainName: nameOfLength(64), SubjectAlternativeNames: [seventy], ValidationMethod: 'DNS' }));
    expect(ok.CertificateArn).toMatch(/^arn:aws:acm:/);
  });

  it('API Gateway v2 refuses an integration timeout over 30000 ms and an unknown protocol type with BadRequestException', async () => {
    const api = await apigw().send(new CreateApiCommand({ Name: 'strict', ProtocolType: 'HTTP' }));
    await expectRefused(
      apigw().send(new CreateIntegrationCommand({ ApiId: api.ApiId!, IntegrationType: 'HTTP_PROXY', IntegrationMethod: 'ANY', IntegrationUri: 'http://example.com', PayloadFormatVersion: '1.0', TimeoutInMillis: 30001 })),
      'BadRequestException',
      "at 'timeoutInMillis'",
    );
    await expectRefused(apigw().send(new CreateApiCommand({ Name: 'grpc', ProtocolType: 'GRPC' as ProtocolType })), 'BadRequestException', "Value 'GRPC' at 'protocolType'");
  });

  it('Route 53 refuses an unknown record type and a negative TTL with InvalidInput', async () => {
    await expectRefused(
      r53().send(new ListResourceRecordSetsCommand({ HostedZoneId: platform.publicZoneId, StartRecordName: 'acmecorp.com', StartRecordType: 'AX' as RRType })),
      'InvalidInput',
      "Value 'AX' at 'startRecordType'",
    );
    await expectRefused(
      r53().send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: platform.publicZoneId,
          ChangeBatch: { Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'ttl.acmecorp.com', Type: 'A', TTL: -1, ResourceRecords: [{ Value: '10.0.0.1' }] } }] },
        }),
      ),
      'InvalidInput',
      "at 'changeBatch.changes.1.member.resourceRecordSet.tTL'",
    );
  });

  it('DynamoDB, SQS, S3 and EC2 refuse a value out of range or outside the enum with their own error names', async () => {
    await expectRefused(ddb().send(new ListTablesCommand({ Limit: 101 })), 'ValidationException', "Value '101' at 'limit'");
    const queue = await sqs().send(new CreateQueueCommand({ QueueName: 'strict' }));
    await expectRefused(sqs().send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['Bogus' as QueueAttributeName] })), 'ValidationException', 'enum value set');
    await expectRefused(s3().send(new ListBucketsCommand({ MaxBuckets: 0 })), 'InvalidArgument', "at 'maxBuckets'");
    await expectRefused(ec2().send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16', InstanceTenancy: 'shared' as Tenancy })), 'InvalidParameterValue', "Value 'shared' at 'instanceTenancy'");
  });
});

describe('Route 53 refuses a change batch that changes one record set twice, as AWS does', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  const batch = (Changes: Change[]) => r53().send(new ChangeResourceRecordSetsCommand({ HostedZoneId: platform.publicZoneId, ChangeBatch: { Changes } }));
  const names = async () => ((await r53().send(new ListResourceRecordSetsCommand({ HostedZoneId: platform.publicZoneId }))).ResourceRecordSets ?? []).map((r) => `${r.Type} ${r.Name}`);

  it('two changes of one validation CNAME (as two certificates for one name share it): InvalidChangeBatch naming the record set, and nothing written', async () => {
    const err = await refusal(batch([cname('_v1.api.acmecorp.com', '_w1.acm-validations.aws'), cname('_V1.api.acmecorp.com.', '_w1.acm-validations.aws'), cname('www.acmecorp.com', 'api.acmecorp.com')]));
    expect(err.name).toBe('InvalidChangeBatch');
    expect(err.message).toBe("[The request contains an invalid set of changes for a resource record set 'CNAME _v1.api.acmecorp.com.']");
    expect(await names()).not.toContain('CNAME www.acmecorp.com.');
  });

  it('CREATE of an existing record set and of a new one: every reason in one bracketed message, nothing written', async () => {
    await batch([cname('old.acmecorp.com', 'x.acmecorp.com')]);
    const err = await refusal(batch([cname('old.acmecorp.com', 'y.acmecorp.com', 'CREATE'), cname('dup.acmecorp.com', 'y.acmecorp.com', 'CREATE'), cname('dup.acmecorp.com', 'z.acmecorp.com', 'CREATE')]));
    expect(err.name).toBe('InvalidChangeBatch');
    expect(err.message).toBe("[The request contains an invalid set of changes for a resource record set 'CNAME dup.acmecorp.com.']");
    const again = await refusal(batch([cname('old.acmecorp.com', 'y.acmecorp.com', 'CREATE'), cname('new.acmecorp.com', 'y.acmecorp.com', 'CREATE')]));
    expect(again.message).toBe("[Tried to create resource record set [name='old.acmecorp.com.', type='CNAME'] but it already exists]");
    expect(await names()).not.toContain('CNAME new.acmecorp.com.');
  });

  it('a DELETE and a CREATE of one record set in one batch replace it, and distinct record sets in one batch are fine', async () => {
    await batch([cname('swap.acmecorp.com', 'a.acmecorp.com'), cname('other.acmecorp.com', 'a.acmecorp.com')]);
    await batch([cname('swap.acmecorp.com', 'a.acmecorp.com', 'DELETE'), cname('swap.acmecorp.com', 'b.acmecorp.com', 'CREATE')]);
    const sets = (await r53().send(new ListResourceRecordSetsCommand({ HostedZoneId: platform.publicZoneId }))).ResourceRecordSets ?? [];
    expect(sets.find((r) => r.Name === 'swap.acmecorp.com.')?.ResourceRecords).toEqual([{ Value: 'b.acmecorp.com' }]);
  });
});

describe('ACM refuses to delete a certificate an API Gateway custom domain uses, as AWS does', () => {
  beforeEach(async () => {
    platform = await freshEmulator();
  });

  async function issued(name: string): Promise<string> {
    const arn = (await acm().send(new RequestCertificateCommand({ DomainName: name, ValidationMethod: 'DNS' }))).CertificateArn!;
    for (let i = 0; i < 50; i++) {
      if ((await acm().send(new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate?.Status === 'ISSUED') return arn;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${arn} was not issued`);
  }

  it('ResourceInUseException while the domain exists and for ROUTEYARD_MOTO_CERT_RELEASE_SECONDS (3 s here) after it is deleted; then the delete succeeds', async () => {
    const arn = await issued('inuse.acmecorp.com');
    await apigw().send(new CreateDomainNameCommand({ DomainName: 'inuse.acmecorp.com', DomainNameConfigurations: [{ CertificateArn: arn, EndpointType: 'REGIONAL' }] }));
    await expectRefused(acm().send(new DeleteCertificateCommand({ CertificateArn: arn })), 'ResourceInUseException', arn, 'is in use');
    await apigw().send(new DeleteDomainNameCommand({ DomainName: 'inuse.acmecorp.com' }));
    const deleted = Date.now();
    await expectRefused(acm().send(new DeleteCertificateCommand({ CertificateArn: arn })), 'ResourceInUseException');
    for (;;) {
      try {
        await acm().send(new DeleteCertificateCommand({ CertificateArn: arn }));
        break;
      } catch (err) {
        expect((err as Error).name).toBe('ResourceInUseException');
        if (Date.now() - deleted > 10_000) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    expect(Date.now() - deleted).toBeGreaterThanOrEqual(2_500);
    await expectRefused(acm().send(new DescribeCertificateCommand({ CertificateArn: arn })), 'ResourceNotFoundException');
  });

  it('a certificate no domain ever used is deleted at once', async () => {
    const arn = await issued('unused.acmecorp.com');
    await acm().send(new DeleteCertificateCommand({ CertificateArn: arn }));
    await expectRefused(acm().send(new DescribeCertificateCommand({ CertificateArn: arn })), 'ResourceNotFoundException');
  });
});
