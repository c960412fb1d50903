import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RouteyardError } from '../errors.ts';
import { originProblem } from './schema.ts';
import { MAX_NESTING, nestedTooDeep, validateDocument } from './validate.ts';

const example = readFileSync(new URL('../../desired-state.example.json', import.meta.url), 'utf8');

function errorsOf(text: string, ruleQuota?: number) {
  try {
    validateDocument(text, ruleQuota === undefined ? {} : { ruleQuota });
  } catch (err) {
    expect(err).toBeInstanceOf(RouteyardError);
    return (err as RouteyardError).fieldErrors;
  }
  throw new Error('expected the document to be invalid');
}

describe('validateDocument', () => {
  it('accepts the example with its five reference services', () => {
    const doc = validateDocument(example);
    expect(doc.spec.services.map((s) => [s.name, s.priority])).toEqual([
      ['fastapi-app', 2],
      ['loopback-app', 3],
      ['zeropoint-app', 4],
      ['fastapi-prerelease', 11],
      ['gantt-autoscheduler-qa', 15],
    ]);
  });

  it('names the line and column of a JSON syntax error', () => {
    expect(errorsOf('{\n  "a": 1,\n}')[0]!.message).toMatch(/line 3, column 1/);
  });

  it('finds a priority band too small for the services that need one', () => {
    const doc = JSON.parse(example);
    doc.spec.shared.priorityBand = { from: 100, to: 101 };
    for (const s of doc.spec.services) delete s.priority;
    expect(errorsOf(JSON.stringify(doc))).toEqual([{ path: 'spec.shared.priorityBand', message: 'has room for 2 automatic priorities but 5 services need one' }]);
  });

  it('applies the configured rule quota', () => {
    expect(errorsOf(example, 4)).toEqual([{ path: 'spec.services', message: expect.stringContaining('needs 5 listener rules but the listener quota is 4') }]);
  });

  describe('CORS and header names AWS would refuse (issue 14)', () => {
    const withCors = (cors: Record<string, unknown>, shared: Record<string, unknown> = {}) => {
      const doc = JSON.parse(example);
      doc.spec.services[0].api.cors = cors;
      Object.assign(doc.spec.shared, shared);
      return JSON.stringify(doc);
    };

    it('accepts "*", the scheme wildcards API Gateway documents, and scheme://host[:port] origins', () => {
      for (const o of ['*', 'https://*', 'http://*', 'https://app.acmecorp.com', 'http://localhost:3000', 'https://[::1]:8443', 'capacitor://localhost', 'https://10.0.0.1']) {
        expect(originProblem(o), o).toBeUndefined();
      }
      expect(() => validateDocument(withCors({ allowOrigins: ['*', 'https://*'], allowHeaders: ['*', 'Authorization'], exposeHeaders: ['X-Request-Id'] }))).not.toThrow();
    });

    it('refuses origins with a path, a user, another wildcard, no scheme, a bad host or port', () => {
      const cases: [string, string][] = [
        ['../../etc/passwd', 'must start with a scheme'],
        ['app.acmecorp.com', 'must start with a scheme'],
        ['https://app.acmecorp.com/', 'must not have a path'],
        ['https://app.acmecorp.com/login?x=1', 'must not have a path'],
        ['https://app.acmecorp.com#x', 'must not have a path'],
        ['https://*.acmecorp.com', 'no wildcard inside a host name'],
        ['ftp://*', '"https://*" or "http://*"'],
        ['https://user@app.acmecorp.com', 'user name'],
        ['https://app..acmecorp.com', 'no empty label'],
        ['https://-app.acmecorp.com', 'host name of letters'],
        ['https://app.acmecorp.com:70000', 'port from 1 to 65535'],
        ['https://app.acmecorp.com:0', 'port from 1 to 65535'],
        ['https://', 'host name and an optional port'],
        ['https://app.acmecorp.com\r\nX-Evil: 1', 'control characters'],
        ['https://app acmecorp.com', 'spaces'],
      ];
      for (const [origin, words] of cases) expect(originProblem(origin), origin).toContain(words);
      const errors = errorsOf(withCors({ allowOrigins: ['https://ok.acmecorp.com', '../../etc/passwd'] }));
      expect(errors).toEqual([{ path: 'spec.services[0].api.cors.allowOrigins[1]', message: expect.stringContaining('must start with a scheme') }]);
    });

    it('refuses a wildcard origin together with allowCredentials, naming each wildcard entry', () => {
      const errors = errorsOf(withCors({ allowOrigins: ['*', 'https://app.acmecorp.com', 'https://*', 'http://*'], allowCredentials: true }));
      expect(errors.map((e) => e.path)).toEqual([
        'spec.services[0].api.cors.allowOrigins[0]',
        'spec.services[0].api.cors.allowOrigins[2]',
        'spec.services[0].api.cors.allowOrigins[3]',
      ]);
      expect(errors[0]!.message).toContain('not allowed while allowCredentials is true');
      expect(() => validateDocument(withCors({ allowOrigins: ['*'], allowCredentials: false }))).not.toThrow();
      expect(() => validateDocument(withCors({ allowOrigins: ['https://app.acmecorp.com'], allowCredentials: true }))).not.toThrow();
    });

    it('refuses header names with a space, CR or LF wherever the document names a header', () => {
      expect(errorsOf(withCors({ allowHeaders: ['Authorization', 'X-Trace\r\nSet-Cookie: a=b'] }))).toEqual([
        { path: 'spec.services[0].api.cors.allowHeaders[1]', message: expect.stringContaining('HTTP header name') },
      ]);
      expect(errorsOf(withCors({ exposeHeaders: ['X Request Id'] }))[0]!.path).toBe('spec.services[0].api.cors.exposeHeaders[0]');
      expect(errorsOf(withCors({}, { headerName: 'X-Target\nX-Evil' }))[0]!.path).toBe('spec.shared.headerName');
      expect(errorsOf(withCors({}, { headerName: 'X-Target:' }))[0]!.path).toBe('spec.shared.headerName');
    });
  });

  describe('hostile documents (issue 14)', () => {
    it('deeply nested objects are an invalid document, not a stack overflow', () => {
      const doc = JSON.parse(example);
      doc.metadata.labels = { deep: 'PLACEHOLDER' };
      const text = JSON.stringify(doc).replace('"PLACEHOLDER"', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000));
      const errors = errorsOf(text);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.path).toBe('(document)');
      expect(errors[0]!.message).toMatch(/^nests objects and arrays more than 32 levels deep \(at metadata\.labels\.deep\.a\.a/);
      expect(errors[0]!.message.length).toBeLessThan(250);
    });

    it('nestedTooDeep allows MAX_NESTING levels and names the first container below them', () => {
      const nest = (levels: number) => JSON.parse('['.repeat(levels) + ']'.repeat(levels));
      expect(nestedTooDeep(nest(MAX_NESTING), MAX_NESTING)).toBeUndefined();
      expect(nestedTooDeep(nest(MAX_NESTING + 1), MAX_NESTING)).toEqual(Array(MAX_NESTING).fill(0));
      expect(nestedTooDeep({ a: [1, { b: 'x' }] }, 3)).toBeUndefined();
      expect(nestedTooDeep({ a: [1, { b: {} }] }, 3)).toEqual(['a', 1, 'b']);
    });

    it('messages quote at most a short excerpt of a value, on one line', () => {
      const doc = JSON.parse(example);
      doc.spec.services[0]['x'.repeat(100_000)] = 1;
      doc.spec.services[1].priority = 'high\r\n' + 'y'.repeat(100_000);
      const errors = errorsOf(JSON.stringify(doc));
      for (const e of errors) {
        expect(e.path.length + e.message.length, e.path.slice(0, 100)).toBeLessThan(300);
        expect(e.path + e.message).not.toMatch(/[\r\n]/);
      }
      expect(errors[0]!.path).toMatch(/^spec\.services\[0\]\.x{64}… \(100000 characters\)$/);
      expect(errors[1]!.message).toContain('"high\\r\\n');
      const dup = JSON.parse(example);
      dup.spec.services[2].headerValue = dup.spec.services[3].headerValue = 'a'.repeat(128);
      expect(errorsOf(JSON.stringify(dup))).toEqual([
        { path: 'spec.services[3].headerValue', message: `duplicates the header value "${'a'.repeat(80)}…" (128 characters) (ALB matching is case-insensitive) of spec.services[2]` },
      ]);
    });
  });
});

describe('validateDocument: ECS deployments and published outputs (issue 16)', () => {
  const canary = { strategy: 'ecs', testTraffic: { header: 'X-Canary', value: '1' } };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const edit = (change: (doc: Record<string, any>) => void) => {
    const doc = JSON.parse(example);
    change(doc);
    return JSON.stringify(doc);
  };

  it('accepts the ECS strategy with and without testTraffic, and an outputs prefix', () => {
    const doc = validateDocument(
      edit((d) => {
        d.spec.shared.outputsPrefix = '/acmecorp/routeyard';
        d.spec.services[0].deployment = canary;
        d.spec.services[1].deployment = { strategy: 'ecs' };
      }),
    );
    expect(doc.spec.services[0]!.deployment).toEqual(canary);
    expect(doc.spec.shared.outputsPrefix).toBe('/acmecorp/routeyard');
  });

  it('refuses a deployment on a service whose target group is given by ARN, at spec.services[i].deployment', () => {
    const errors = errorsOf(
      edit((d) => {
        d.spec.services[1].targetGroup = { arn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/theirs/0123456789abcdef' };
        d.spec.services[1].deployment = { strategy: 'ecs' };
      }),
    );
    expect(errors).toEqual([{ path: 'spec.services[1].deployment', message: expect.stringContaining('needs a target group routeyard manages') }]);
  });

  it('refuses a test header equal to the routing header, whatever its case', () => {
    for (const header of ['X-Target-Service', 'x-target-service', 'X-TARGET-SERVICE']) {
      const errors = errorsOf(edit((d) => (d.spec.services[0].deployment = { strategy: 'ecs', testTraffic: { header, value: '1' } })));
      expect(errors, header).toEqual([{ path: 'spec.services[0].deployment.testTraffic.header', message: expect.stringContaining('must differ from the routing header') }]);
    }
    // With another routing header, X-Target-Service is just a test header.
    expect(() => validateDocument(edit((d) => ((d.spec.shared.headerName = 'X-Route'), (d.spec.services[0].deployment = { strategy: 'ecs', testTraffic: { header: 'X-Target-Service', value: '1' } }))))).not.toThrow();
    expect(errorsOf(edit((d) => ((d.spec.shared.headerName = 'X-Route'), (d.spec.services[0].deployment = { strategy: 'ecs', testTraffic: { header: 'x-route', value: '1' } })))).map((e) => e.path)).toEqual([
      'spec.services[0].deployment.testTraffic.header',
    ]);
  });

  it('refuses priority 1 with testTraffic (the test rule takes priority - 1); priority 1 without it is fine', () => {
    const errors = errorsOf(edit((d) => ((d.spec.services[0].priority = 1), (d.spec.services[0].deployment = canary))));
    expect(errors).toEqual([{ path: 'spec.services[0].priority', message: expect.stringContaining('must be at least 2 with deployment.testTraffic') }]);
    expect(() => validateDocument(edit((d) => ((d.spec.services[0].priority = 1), (d.spec.services[0].deployment = { strategy: 'ecs' }))))).not.toThrow();
  });

  it('refuses priority - 1 of a testTraffic service declared by another service, in either document order', () => {
    // fastapi-app (priority 2) takes 1 for its test rule; loopback-app declares 1.
    const after = errorsOf(edit((d) => ((d.spec.services[0].deployment = canary), (d.spec.services[1].priority = 1))));
    expect(after).toEqual([{ path: 'spec.services[1].priority', message: '1 is taken by the test rule of spec.services[0] (its priority 2 - 1); choose another priority' }]);
    // loopback-app (priority 3) takes 2 for its test rule, which fastapi-app (earlier in the document) declares.
    const before = errorsOf(edit((d) => (d.spec.services[1].deployment = canary)));
    expect(before).toEqual([{ path: 'spec.services[1].priority', message: 'its test rule would take priority 2 (priority - 1), which spec.services[0] declares; choose another priority' }]);
  });

  it('counts test rules against the rule quota', () => {
    expect(() => validateDocument(example, { ruleQuota: 5 })).not.toThrow();
    const errors = errorsOf(edit((d) => (d.spec.services[4].deployment = canary)), 5);
    expect(errors).toEqual([{ path: 'spec.services', message: expect.stringContaining('needs 6 listener rules (test rules included) but the listener quota is 5') }]);
    // The strategy alone adds no rule.
    expect(() => validateDocument(edit((d) => (d.spec.services[4].deployment = { strategy: 'ecs' })), { ruleQuota: 5 })).not.toThrow();
  });

  it('counts two automatic priorities for a service with a test rule in the band check', () => {
    const errors = errorsOf(
      edit((d) => {
        d.spec.shared.priorityBand = { from: 100, to: 101 };
        d.spec.services = [d.spec.services[0], d.spec.services[1]];
        for (const s of d.spec.services) delete s.priority;
        d.spec.services[0].deployment = canary;
      }),
    );
    expect(errors).toEqual([{ path: 'spec.shared.priorityBand', message: expect.stringContaining('has room for 2 automatic priorities but 3') }]);
  });

  it('counts the test rule of a service that declares its priority (priority - 1) in the band check', () => {
    // Band 100..103: x declares 101 with testTraffic, so 100 and 101 are taken; only 102 and
    // 103 are left for the three automatic services. The planner then exhausts the band for
    // the third (a "no free priority left" Error), so the document must be refused up front.
    const text = edit((d) => {
      d.spec.shared.priorityBand = { from: 100, to: 103 };
      d.spec.services = d.spec.services.slice(0, 4);
      for (const s of d.spec.services) delete s.priority;
      d.spec.services[0].priority = 101;
      d.spec.services[0].deployment = canary;
    });
    expect(errorsOf(text)).toEqual([{ path: 'spec.shared.priorityBand', message: expect.stringContaining('has room for 2 automatic priorities but 3') }]);
  });

  it('refuses outputs prefixes SSM would refuse', () => {
    const cases: [string, string][] = [
      ['acmecorp/routeyard', 'must be an SSM parameter path'],
      ['/acmecorp/routeyard/', 'no trailing "/"'],
      ['/acmecorp/route yard', 'must be an SSM parameter path'],
      ['/acmecorp//routeyard', 'must be an SSM parameter path'],
      ['/', 'must be an SSM parameter path'],
      ['/aws/routeyard', 'must not start with "aws" or "ssm"'],
      ['/AWS/routeyard', 'must not start with "aws" or "ssm"'],
      ['/SSM/routeyard', 'must not start with "aws" or "ssm"'],
      ['/ssm', 'must not start with "aws" or "ssm"'],
      [`/${Array.from({ length: 13 }, (_, i) => `l${i}`).join('/')}`, 'has 13 levels; at most 12'],
    ];
    for (const [prefix, words] of cases) {
      const errors = errorsOf(edit((d) => (d.spec.shared.outputsPrefix = prefix)));
      expect(errors, prefix).toEqual([{ path: 'spec.shared.outputsPrefix', message: expect.stringContaining(words) }]);
    }
    for (const ok of ['/acmecorp', '/acmecorp/routeyard', '/a_b.c-d/E9', `/${Array.from({ length: 12 }, (_, i) => `l${i}`).join('/')}`, '/acmecorp/aws']) {
      expect(() => validateDocument(edit((d) => (d.spec.shared.outputsPrefix = ok))), ok).not.toThrow();
    }
  });

  it('refuses a strategy other than "ecs", naming the field', () => {
    for (const strategy of ['codedeploy', 'ECS', 'blue-green']) {
      const errors = errorsOf(edit((d) => (d.spec.services[2].deployment = { strategy })));
      expect(errors, strategy).toEqual([{ path: 'spec.services[2].deployment.strategy', message: expect.stringContaining('must be "ecs"') }]);
    }
    expect(errorsOf(edit((d) => (d.spec.services[2].deployment = {})))[0]!.path).toBe('spec.services[2].deployment.strategy');
    expect(errorsOf(edit((d) => (d.spec.services[2].deployment = { strategy: 'ecs', weights: [100, 0] })))).toEqual([
      { path: 'spec.services[2].deployment.weights', message: 'is not a known field' },
    ]);
  });
});

describe('spec.shared.loadBalancers (several ALBs)', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const withShards = (change: (doc: Record<string, any>) => void) => {
    const doc = JSON.parse(example);
    const { listenerArn, albDnsName, albHostedZoneId, ...rest } = doc.spec.shared;
    doc.spec.shared = { ...rest, loadBalancers: [{ name: 'alb-1', listenerArn, albDnsName, albHostedZoneId }, { name: 'alb-2', listenerArn: 'ssm:/acmecorp/shared/alb-2/listener-arn', albDnsName: 'ssm:/x/dns', albHostedZoneId: 'Z32O12XQLNTSW2', ruleQuota: 200 }] };
    change(doc);
    return JSON.stringify(doc);
  };

  it('accepts two shards and a pin', () => {
    expect(() => validateDocument(withShards((d) => (d.spec.services[0].loadBalancer = 'alb-2')))).not.toThrow();
  });

  it('refuses the shorthand and the list together, and the shared ALB fields beside the list', () => {
    const errors = errorsOf(withShards((d) => Object.assign(d.spec.shared, { listenerArn: 'arn:x', albDnsName: 'x' })));
    expect(errors).toContainEqual({ path: 'spec.shared.listenerArn', message: 'cannot be combined with spec.shared.loadBalancers: each shard has its own listenerArn' });
    expect(errors).toContainEqual({ path: 'spec.shared.albDnsName', message: 'cannot be combined with spec.shared.loadBalancers: each shard has its own albDnsName' });
  });

  it('needs one of them', () => {
    expect(errorsOf(withShards((d) => delete d.spec.shared.loadBalancers))).toContainEqual({ path: 'spec.shared.listenerArn', message: 'is required (or spec.shared.loadBalancers, for several load balancers)' });
  });

  it('refuses duplicate names and listeners, and a pin to no shard', () => {
    const errors = errorsOf(
      withShards((d) => {
        d.spec.shared.loadBalancers[1].name = 'alb-1';
        d.spec.shared.loadBalancers[1].listenerArn = d.spec.shared.loadBalancers[0].listenerArn;
        d.spec.services[2].loadBalancer = 'alb-9';
      }),
    );
    expect(errors.map((e) => e.path)).toEqual(['spec.shared.loadBalancers[1].name', 'spec.shared.loadBalancers[1].listenerArn', 'spec.services[2].loadBalancer']);
  });

  it('with the shorthand, the one load balancer is "default"', () => {
    const doc = JSON.parse(example);
    doc.spec.services[0].loadBalancer = 'default';
    expect(() => validateDocument(JSON.stringify(doc))).not.toThrow();
    doc.spec.services[0].loadBalancer = 'alb-2';
    expect(errorsOf(JSON.stringify(doc))[0]!.message).toContain('the one load balancer is "default"');
  });

  it('counts rules against the shards\' quotas added up, and pinned services against their shard', () => {
    const many = (d: Record<string, unknown> & { spec: { services: unknown[] } }, n: number, pin?: string) => {
      d.spec.services = Array.from({ length: n }, (_, i) => ({ name: `s${i}`, headerValue: `s${i}`, targetGroup: { port: 80, protocol: 'HTTP', targetType: 'ip' }, ...(pin ? { loadBalancer: pin } : {}) }));
    };
    // 100 + 200 rules, 100 + 100 target groups: 200 services fit, 301 do not.
    expect(() => validateDocument(withShards((d) => many(d as never, 200)))).not.toThrow();
    expect(errorsOf(withShards((d) => many(d as never, 301)))[0]!.message).toContain('add a load balancer to spec.shared.loadBalancers');
    expect(errorsOf(withShards((d) => many(d as never, 101, 'alb-1')))).toContainEqual({ path: 'spec.shared.loadBalancers[0]', message: '101 services pinned to "alb-1" need 101 rules but its ruleQuota is 100: pin some to another load balancer' });
  });

  it('needs each shard\'s ALB name and zone when a service has a private name', () => {
    const errors = errorsOf(
      withShards((d) => {
        delete d.spec.shared.loadBalancers[1].albDnsName;
        d.spec.services[0].privateDns = { name: 'x' };
      }),
    );
    expect(errors).toContainEqual({ path: 'spec.shared.loadBalancers[1].albDnsName', message: "is required when a service declares privateDns (a service's private alias points at its shard's ALB)" });
  });
});

describe('spec.shared.loadBalancers: target groups', () => {
  const doc = (n: number, ecs: boolean, pin?: string) =>
    JSON.stringify({
      apiVersion: 'routeyard/v1',
      kind: 'RouteSet',
      metadata: { name: 'a' },
      spec: {
        shared: { loadBalancers: [{ name: 'alb-1', listenerArn: 'arn:1', ruleQuota: 1000 }, { name: 'alb-2', listenerArn: 'arn:2', ruleQuota: 1000 }], vpcLinkId: 'v', vpcId: 'v' },
        services: Array.from({ length: n }, (_, i) => ({ name: `s${i}`, headerValue: `s${i}`, targetGroup: { port: 80, protocol: 'HTTP', targetType: 'ip' }, ...(ecs ? { deployment: { strategy: 'ecs' } } : {}), ...(pin ? { loadBalancer: pin } : {}) })),
      },
    });
  it('counts two groups per ECS-deployment service against 100 per ALB, pinned ones against their ALB', () => {
    expect(() => validateDocument(doc(100, true))).not.toThrow();
    expect(errorsOf(doc(101, true))[0]!.message).toContain('need 202 target groups but 2 load balancers hold 200');
    expect(errorsOf(doc(51, true, 'alb-1'))).toContainEqual({ path: 'spec.shared.loadBalancers[0]', message: '51 services pinned to "alb-1" need 102 target groups; an ALB takes 100: pin some to another load balancer' });
  });
});
