import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RouteyardError } from '../errors.ts';
import { OUTPUT_KEYS, parameterName } from '../plan/outputs.ts';
import { OUTPUTS_PREFIX_MAX_LEVELS } from './schema.ts';
import { validateDocument } from './validate.ts';

/**
 * The document fields of issue 16 against the rules AWS applies to what routeyard builds
 * from them: SSM parameter names (outputsPrefix) and ALB http-header conditions
 * (deployment.testTraffic). What the schema accepts must be something AWS accepts.
 */
const example = readFileSync(new URL('../../desired-state.example.json', import.meta.url), 'utf8');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function docWith(edit: (doc: any) => void): string {
  const doc = JSON.parse(example);
  edit(doc);
  return JSON.stringify(doc);
}

function errorsOf(text: string) {
  try {
    validateDocument(text);
  } catch (err) {
    expect(err).toBeInstanceOf(RouteyardError);
    return (err as RouteyardError).fieldErrors ?? [];
  }
  return [];
}

const withPrefix = (prefix: string) => docWith((d) => (d.spec.shared.outputsPrefix = prefix));
const withTest = (header: string, value = '1', shared: Record<string, unknown> = {}) =>
  docWith((d) => {
    d.spec.services[0].deployment = { strategy: 'ecs', testTraffic: { header, value } };
    Object.assign(d.spec.shared, shared);
  });

/** `levels` path levels of `width` characters each ("/aaaa/aaab/..."), distinct. */
function prefixOf(levels: number, width: number): string {
  return Array.from({ length: levels }, (_, i) => `/${String(i).padStart(width, 'p')}`).join('');
}

/**
 * SSM: "Parameter hierarchies are limited to a maximum depth of fifteen levels" (PutParameter
 * API reference, Name). The User Guide ("Requirements and constraints for parameter names",
 * Hierarchy depth) gives /Level-1/L2/.../L14/parameter-name (15 names) as valid and a name of
 * 17 as failing with HierarchyLevelLimitExceededException. Levels are counted here as AWS's
 * example counts them: every "/"-separated name, the last one included.
 */
const levelsOf = (name: string) => name.split('/').filter((s) => s !== '').length;

/**
 * SSM: "The maximum length for a parameter name that you specify is 1011 characters. This
 * count of 1011 characters includes the characters in the ARN that precede the name you
 * specify ... the following 45 characters count toward the 1011 character maximum for a
 * parameter created in the US East (Ohio) Region: arn:aws:ssm:us-east-2:111122223333:parameter/"
 * (PutParameter API reference, Name). The model's 2048 is the storage limit, not this one.
 * Counted with the trailing "/" of that prefix as well as the name's own leading "/" (the
 * longer reading), with a partition and Region longer than any AWS has (aws-us-gov is 10
 * characters, us-isof-south-1 15).
 */
const SSM_NAME_MAX_WITH_ARN = 1011;
const LONGEST_ARN_PREFIX = `arn:${'p'.repeat(10)}:ssm:${'r'.repeat(20)}:123456789012:parameter/`;

describe('outputsPrefix: every parameter name routeyard can build from it is one SSM accepts', () => {
  const longestService = 's'.repeat(63); // ResourceName: at most 63 characters
  const longestKey = [...OUTPUT_KEYS].sort((a, b) => b.length - a.length)[0]!;

  it('the longest prefix the schema accepts (512 characters in 12 levels) is valid', () => {
    const prefix = prefixOf(OUTPUTS_PREFIX_MAX_LEVELS, 512 / OUTPUTS_PREFIX_MAX_LEVELS - 1).padEnd(512, 'x');
    expect(prefix).toHaveLength(512);
    expect(levelsOf(prefix)).toBe(OUTPUTS_PREFIX_MAX_LEVELS);
    expect(errorsOf(withPrefix(prefix))).toEqual([]);
    expect(errorsOf(withPrefix(`${prefix}y`))).toEqual([{ path: 'spec.shared.outputsPrefix', message: 'must be at most 512 characters' }]);
  });

  it('with the longest service name and key, the name and its ARN stay within 1011 characters and 15 levels', () => {
    const prefix = prefixOf(OUTPUTS_PREFIX_MAX_LEVELS, 512 / OUTPUTS_PREFIX_MAX_LEVELS - 1).padEnd(512, 'x');
    const name = parameterName(prefix, longestService, longestKey);
    expect(longestKey).toBe('alternate-target-group-arn');
    expect(name).toHaveLength(512 + '/services/'.length + 63 + 1 + longestKey.length); // 612
    expect(LONGEST_ARN_PREFIX.length + name.length).toBeLessThanOrEqual(SSM_NAME_MAX_WITH_ARN);
    expect(name.length).toBeLessThanOrEqual(2048); // the model's PSParameterName
    expect(levelsOf(name)).toBe(15); // exactly the deepest name AWS's own example calls valid
    for (const key of OUTPUT_KEYS) expect(levelsOf(parameterName(prefix, longestService, key))).toBeLessThanOrEqual(15);
  });

  it('refuses a prefix of 13 levels, whose names would have 16 (HierarchyLevelLimitExceededException)', () => {
    expect(errorsOf(withPrefix(prefixOf(OUTPUTS_PREFIX_MAX_LEVELS, 2)))).toEqual([]);
    const errors = errorsOf(withPrefix(prefixOf(OUTPUTS_PREFIX_MAX_LEVELS + 1, 2)));
    expect(errors).toEqual([{ path: 'spec.shared.outputsPrefix', message: expect.stringContaining('at most 12') }]);
    expect(levelsOf(parameterName(prefixOf(OUTPUTS_PREFIX_MAX_LEVELS + 1, 2), 'a', 'api-id'))).toBe(16);
  });

  it('refuses the reserved "aws" and "ssm" prefixes in any case, as SSM does ("can\'t be prefixed with aws or ssm (case-insensitive)")', () => {
    for (const p of ['/aws', '/AWS/routeyard', '/ssm/x', '/Ssm-params/x', '/awsome/x']) {
      expect(errorsOf(withPrefix(p)), p).toEqual([{ path: 'spec.shared.outputsPrefix', message: expect.stringContaining('"aws" or "ssm"') }]);
    }
    for (const p of ['/acmecorp/aws', '/my-ssm/x', '/a']) expect(errorsOf(withPrefix(p)), p).toEqual([]);
  });

  it('refuses characters SSM names cannot hold (a-zA-Z0-9_.- and "/" between levels only), an empty level and a trailing "/"', () => {
    for (const p of ['acmecorp/routeyard', '/acme corp', '/acme//routeyard', '/acmecorp/', '/acme:corp', '/acmé', '/', '']) {
      expect(errorsOf(withPrefix(p)).map((e) => e.path), JSON.stringify(p)).toEqual(['spec.shared.outputsPrefix']);
    }
  });
});

/**
 * ALB http-header conditions (ELBv2 API reference, HttpHeaderConditionConfig): "HttpHeaderName
 * ... The maximum length is 40 characters. The header name is case insensitive. The allowed
 * characters are specified by RFC 7230. Wildcards are not supported. You can't use an HTTP
 * header condition to specify the host header. Instead, use a host condition." Values: "The
 * maximum length of each string is 128 characters ... The following wildcard characters are
 * supported: * and ?". RuleCondition: "the value for a condition can't be empty".
 */
describe('deployment.testTraffic: the test rule\'s second http-header condition is one the ALB accepts', () => {
  it('accepts a token header of up to 40 characters and a value of up to 128', () => {
    expect(errorsOf(withTest('X-Canary', '1'))).toEqual([]);
    expect(errorsOf(withTest('X'.repeat(40), 'v'.repeat(128)))).toEqual([]);
  });

  it('refuses a header name over 40 characters, a value over 128, an empty value and wildcards in the value', () => {
    expect(errorsOf(withTest('X'.repeat(41)))).toEqual([{ path: 'spec.services[0].deployment.testTraffic.header', message: 'must be at most 40 characters' }]);
    expect(errorsOf(withTest('X-Canary', 'v'.repeat(129)))).toEqual([{ path: 'spec.services[0].deployment.testTraffic.value', message: 'must be at most 128 characters' }]);
    expect([...new Set(errorsOf(withTest('X-Canary', '')).map((e) => e.path))]).toEqual(['spec.services[0].deployment.testTraffic.value']);
    for (const v of ['*', 'canary?', 'a*b']) expect(errorsOf(withTest('X-Canary', v)).map((e) => e.path), v).toEqual(['spec.services[0].deployment.testTraffic.value']);
  });

  it('refuses header names outside RFC 7230\'s token characters', () => {
    for (const h of ['X Canary', 'X-Canary:', 'X-Canary\r\nX-Evil', '"X"']) {
      expect(errorsOf(withTest(h)).map((e) => e.path), JSON.stringify(h)).toEqual(['spec.services[0].deployment.testTraffic.header']);
    }
  });

  it('refuses the same header as the routing header, in any case (one rule would match it twice)', () => {
    expect(errorsOf(withTest('x-target-service')).map((e) => e.path)).toEqual(['spec.services[0].deployment.testTraffic.header']);
  });

  // AWS: "You can't use an HTTP header condition to specify the host header." The header name
  // is case insensitive, so Host, host and HOST are all the host header.
  it('refuses the host header as the test header, in any case: the ALB refuses an http-header condition on Host', () => {
    for (const h of ['Host', 'host', 'HOST']) {
      expect(errorsOf(withTest(h)), h).toEqual([{ path: 'spec.services[0].deployment.testTraffic.header', message: expect.stringMatching(/host/i) }]);
    }
  });

  it('refuses the host header as the routing header (spec.shared.headerName), which every rule matches', () => {
    for (const h of ['Host', 'hOST']) {
      expect(errorsOf(docWith((d) => (d.spec.shared.headerName = h))), h).toEqual([{ path: 'spec.shared.headerName', message: expect.stringMatching(/host/i) }]);
    }
  });
});
