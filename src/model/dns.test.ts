import { describe, expect, it } from 'vitest';
import { certificateCovers, parseRegistryValue, registryName, registryValue } from './dns.ts';

describe('certificate names (RFC 6125 wildcards, as ACM issues them)', () => {
  it('a wildcard covers exactly one label', () => {
    expect(certificateCovers(['*.api.py.acmecorp.com'], 'qa.api.py.acmecorp.com')).toBe(true);
    expect(certificateCovers(['*.api.py.acmecorp.com'], 'a.b.api.py.acmecorp.com')).toBe(false);
    expect(certificateCovers(['*.api.py.acmecorp.com'], 'api.py.acmecorp.com')).toBe(false);
  });

  it('exact names match case-insensitively; any name of the certificate may cover', () => {
    expect(certificateCovers(['QA.api.py.acmecorp.com'], 'qa.api.py.acmecorp.com')).toBe(true);
    expect(certificateCovers(['other.example.com', '*.api.lp.acmecorp.com'], 'qa.api.lp.acmecorp.com')).toBe(true);
    expect(certificateCovers(['*.acmecorp.com'], 'qa.api.lp.acmecorp.com')).toBe(false);
  });
});

describe('the TXT ownership registry', () => {
  it('lives at another name than the record, so it coexists with a CNAME', () => {
    expect(registryName('qa.api.py.acmecorp.com', 'CNAME')).toBe('_routeyard-cname.qa.api.py.acmecorp.com');
  });

  it('round-trips owner and service, and ignores values that are not routeyard\'s', () => {
    expect(parseRegistryValue(registryValue('acmecorp-qa', 'fastapi-app'))).toEqual({ owner: 'acmecorp-qa', service: 'fastapi-app' });
    expect(parseRegistryValue('"heritage=external-dns,external-dns/owner=x"')).toBeUndefined();
    expect(parseRegistryValue('"v=spf1 -all"')).toBeUndefined();
  });
});
