import { certificateCovers, certificateRequestNames, parseRegistryValue, qualifyName, registryName, registryValue } from '../model/dns.ts';
import type { DesiredDomain, DesiredService, DesiredState } from '../model/desired.ts';
import type { ObservedCertificate, ObservedCustomDomain, ObservedNaming, ObservedRecord, ObservedZone } from '../model/observed.ts';
import { isOwnedBy, ownershipTags, SERVICE_TAG } from '../model/tags.ts';
import { PHASE } from './phases.ts';
import type { Action, Diff, RecordChange, RecordSpec, Ref, ResourceState } from './types.ts';

/**
 * A service's names: its certificate, REGIONAL custom domain (TLS 1.2), API mapping to its
 * API's $default stage, alias records (A and AAAA) in the public zone, and an alias A record
 * in the private zone pointing at the shared ALB; each record with its TXT ownership entry
 * (model/dns.ts). Never changes or deletes a record without a matching registry entry.
 */
export interface NamingPlan {
  resources: ResourceState[];
  actions: Action[];
}

export const SECURITY_POLICY = 'TLS_1_2';
const RECORD_TTL = 300;

export interface NamingContext {
  desired: DesiredState;
  naming: ObservedNaming;
  /** Slots taken by earlier services in this pass (one create, update, delete per 30 s). */
  used: { create: boolean; update: boolean; delete: boolean };
  /** Domains this pass creates (or queues), counted against the account's quota. */
  creating: number;
  /** Registry-looking TXT records whose names routeyard never writes: ignored, counted. */
  ignoredRegistryEntries?: number;
  /**
   * The ALB a service's private alias points at: its shard's (plan/placement.ts, moves.ts);
   * 'keep' leaves the record as it is this pass. Absent: the document's one ALB.
   */
  /** The alias target of a service's private name; `error`: the document's target is not its ALB's (nothing is written). */
  albFor?: (svc: DesiredService) => { dnsName: string; hostedZoneId: string; error?: string } | 'keep' | undefined;
  /** Every ALB of the document's shards: an alias to any of them is one routeyard would write. */
  albs?: { dnsName: string; hostedZoneId: string }[];
}

export function planNaming(ctx: NamingContext, svc: DesiredService, apiRef: Ref | undefined): NamingPlan {
  const out: NamingPlan = { resources: [], actions: [] };
  if (svc.domain) planDomain(ctx, svc, svc.domain, apiRef, out);
  if (svc.privateDns) planPrivateRecord(ctx, svc, svc.privateDns.name, out);
  return out;
}

function planDomain(ctx: NamingContext, svc: DesiredService, want: DesiredDomain, apiRef: Ref | undefined, out: NamingPlan): void {
  const { desired, naming } = ctx;
  const zone = zoneFor(naming, want.hostedZone, false);
  if (!zone.zone) {
    out.resources.push({ kind: 'dnsRecord', id: want.name, status: 'Error', diffs: [], message: `hosted zone ${want.hostedZone}: ${zone.error ?? 'not read'}` });
    return;
  }
  if (!want.name.endsWith(`.${zone.zone.name}`)) {
    out.resources.push({ kind: 'dnsRecord', id: want.name, status: 'Error', diffs: [], message: `domain.name ${want.name} is not inside the hosted zone ${zone.zone.name} (${zone.zone.id})` });
    return;
  }

  // A foreign record at the name stops the chain before anything is created: a domain
  // whose alias could only be half ours (AAAA ours, A someone else's) would split traffic.
  const existing = naming.domains.find((d) => d.name === want.name && isOwnedBy(d.tags, desired.owner))?.target;
  const squatter = foreignRecordAt(ctx, svc, zone.zone, want.name, ['A', 'AAAA', 'CNAME'], existing);
  if (squatter) {
    out.resources.push({ kind: 'dnsRecord', id: `${want.name} ${squatter.type}`, status: 'Conflict', diffs: [], message: `${want.name} already has ${squatter.type.startsWith('A') ? 'an' : 'a'} ${squatter.type} record that routeyard does not own (no registry entry of this service)${squatter.alias ? `, an alias to ${squatter.alias.dnsName}` : ''}: nothing is created for the domain while it is there. With adopt: true, a record that points at the domain's own target is taken over with the domain; otherwise point it there or remove it` });
    keepOwnValidationRecords(ctx, svc, zone.zone, out);
    return;
  }
  // 1. The certificate.
  const cert = chooseCertificate(ctx, svc, want, zone.zone, out);
  // 2. The domain, once the certificate is ISSUED (AWS refuses any other).
  const live = naming.domains.find((d) => d.name === want.name);
  let domainExists = false;
  if (live && !isOwnedBy(live.tags, desired.owner)) {
    out.resources.push({ kind: 'customDomain', id: want.name, status: 'Conflict', diffs: [], message: `the custom domain ${want.name} exists but routeyard does not own it (no routeyard:owner=${desired.owner} tag)` });
    return;
  }
  if (!cert && !live) {
    out.resources.push({ kind: 'customDomain', id: want.name, status: 'Pending', diffs: [], message: 'waits for its certificate (AWS refuses a domain whose certificate is not ISSUED)' });
    return;
  }
  if (!cert && live) out.resources.push({ kind: 'customDomain', id: want.name, status: 'InSync', diffs: [], message: 'its certificate is not usable now; the domain is kept as it is' });
  if (live) {
    domainExists = true;
    const diffs: Diff[] = [];
    if (cert && live.certificateArn !== cert) diffs.push({ path: 'customDomain.certificateArn', desired: cert, live: live.certificateArn ?? null });
    if (live.securityPolicy !== SECURITY_POLICY) diffs.push({ path: 'customDomain.securityPolicy', desired: SECURITY_POLICY, live: live.securityPolicy ?? null });
    if (live.endpointType && live.endpointType !== 'REGIONAL') diffs.push({ path: 'customDomain.endpointType', desired: 'REGIONAL', live: live.endpointType });
    // AWS's defaults: API_MAPPING_ONLY and ipv4 when the domain does not say.
    if ((live.routingMode ?? 'API_MAPPING_ONLY') !== 'API_MAPPING_ONLY') diffs.push({ path: 'customDomain.routingMode', desired: 'API_MAPPING_ONLY', live: live.routingMode! });
    if ((live.ipAddressType ?? 'ipv4') !== want.ipAddressType) diffs.push({ path: 'customDomain.ipAddressType', desired: want.ipAddressType, live: live.ipAddressType ?? 'ipv4' });
    const busy = live.status && live.status !== 'AVAILABLE' ? live.status : undefined;
    if (cert && diffs.length > 0 && busy) {
      // AWS refuses an update while the domain is UPDATING (or waits on a certificate
      // reimport or ownership verification): sending one would only spend a pacing slot.
      out.resources.push({ kind: 'customDomain', id: want.name, status: 'Pending', diffs, message: `the domain is ${busy}: no update is sent until it is AVAILABLE` });
    } else if (cert && diffs.length > 0) {
      if (!naming.slots.update || (ctx.used.update && !naming.slots.unpaced)) {
        out.resources.push({ kind: 'customDomain', id: want.name, status: 'Pending', diffs, message: queued('UpdateDomainName', naming.slots.nextCreateAt) });
      } else {
        ctx.used.update = true;
        out.actions.push(action(svc, 'update', 'customDomain', want.name, `the custom domain differs (${diffs.map((d) => d.path.split('.').pop()).join(', ')})`, diffs, PHASE.updateDomainName, {
          type: 'updateDomainName',
          name: want.name,
          certificateArn: cert,
          ipAddressType: want.ipAddressType,
        }));
        out.resources.push({ kind: 'customDomain', id: want.name, status: 'Drifted', diffs });
      }
    } else if (cert && busy) {
      out.resources.push({ kind: 'customDomain', id: want.name, status: 'Pending', diffs: [], message: `the domain is ${busy}` });
    } else if (cert) {
      out.resources.push({ kind: 'customDomain', id: want.name, status: 'InSync', diffs: [] });
    }
  } else if (cert) {
    const diffs = [{ path: 'customDomain', desired: { name: want.name, endpointType: 'REGIONAL', securityPolicy: SECURITY_POLICY, certificateArn: cert, ipAddressType: want.ipAddressType }, live: null }];
    if (naming.domainCount + ctx.creating >= desired.customDomainQuota) {
      out.resources.push({
        kind: 'customDomain',
        id: want.name,
        status: 'Error',
        diffs,
        message: `the account would hold more than its quota of ${desired.customDomainQuota} custom domain names (${naming.domainCount} there now, anyone's); ask AWS to raise it`,
      });
      return;
    }
    ctx.creating++;
    if (!naming.slots.create || (ctx.used.create && !naming.slots.unpaced)) {
      out.resources.push({ kind: 'customDomain', id: want.name, status: 'Pending', diffs, message: queued('CreateDomainName', naming.slots.nextCreateAt) });
      return;
    }
    ctx.used.create = true;
    out.actions.push(action(svc, 'create', 'customDomain', want.name, 'the custom domain does not exist', diffs, PHASE.createDomainName, {
      type: 'createDomainName',
      name: want.name,
      certificateArn: cert,
      ipAddressType: want.ipAddressType,
      tags: ownershipTags(desired.owner, svc.name),
    }));
    out.resources.push({ kind: 'customDomain', id: want.name, status: 'Missing', diffs });
  }

  // 3. The API mapping.
  if (apiRef) planMapping(svc, want, live, apiRef, domainExists || !!cert, out);
  // 4. Alias records, once AWS has given the domain its regional target.
  if (live?.target) {
    // An AAAA alias to an IPv4-only domain answers nothing: written for dualstack domains only.
    const dualstack = want.ipAddressType === 'dualstack' && live.ipAddressType === 'dualstack';
    if (want.ipAddressType === 'dualstack' && !dualstack) {
      out.resources.push({ kind: 'dnsRecord', id: `${want.name} AAAA`, status: 'Pending', diffs: [], message: 'the AAAA alias follows once the domain is dualstack (an AAAA alias to an IPv4-only domain answers nothing)' });
    }
    for (const type of dualstack ? ['A', 'AAAA'] : ['A']) {
      planRecord(ctx, svc, zone.zone, { name: want.name, type, values: [], alias: { dnsName: live.target.dnsName, hostedZoneId: live.target.hostedZoneId, evaluateTargetHealth: false } }, out);
    }
  } else if (live || cert) {
    out.resources.push({ kind: 'dnsRecord', id: `${want.name} A/AAAA`, status: 'Pending', diffs: [], message: 'the alias records follow once the custom domain exists and AWS has given it a regional target' });
  }
}

/** The certificate ARN to use now (ISSUED), or undefined while there is none (Pending or Error, reported). */
function chooseCertificate(ctx: NamingContext, svc: DesiredService, want: DesiredDomain, zone: ObservedZone, out: NamingPlan): string | undefined {
  const { desired, naming } = ctx;
  // The validation records of certificates routeyard requested for this service stay while
  // the certificates exist, whichever certificate the document names now (renewals use them).
  keepOwnValidationRecords(ctx, svc, zone, out);
  if (want.certificate !== 'auto') {
    const arn = want.certificate.arn;
    const [, , , region, account] = arn.split(':');
    if (region !== naming.region) {
      out.resources.push({
        kind: 'certificate',
        id: arn,
        status: 'Error',
        diffs: [],
        message:
          region === 'us-east-1'
            ? `domain.certificate: a us-east-1 certificate is for CloudFront (edge-optimized); an HTTP API in ${naming.region} needs one from ${naming.region}`
            : `domain.certificate is in ${region}, not in the API's Region ${naming.region}: a REGIONAL custom domain needs a certificate from ${naming.region}`,
      });
      return undefined;
    }
    if (naming.account && account !== naming.account) {
      out.resources.push({ kind: 'certificate', id: arn, status: 'Error', diffs: [], message: `domain.certificate is in account ${account}, not in this account ${naming.account}: API Gateway uses certificates of its own account` });
      return undefined;
    }
    const cert = naming.certificates.find((c) => c.arn === arn);
    if (cert?.readError) {
      out.resources.push({ kind: 'certificate', id: arn, status: 'Error', diffs: [], message: `domain.certificate cannot be read: ${cert.readError}` });
      return undefined;
    }
    if (!cert) {
      out.resources.push({ kind: 'certificate', id: arn, status: 'Error', diffs: [], message: 'domain.certificate: no such certificate in ACM' });
      return undefined;
    }
    if (!certificateCovers(cert.names, want.name)) {
      out.resources.push({ kind: 'certificate', id: arn, status: 'Error', diffs: [], message: `domain.certificate does not cover ${want.name} (it covers ${cert.names.join(', ')})` });
      return undefined;
    }
    const usable = certificateStatus(cert, out);
    const warning = usable ? expiryWarning(cert, naming.observedAt) : undefined;
    if (warning) out.resources.at(-1)!.warning = warning;
    return usable ? arn : undefined;
  }
  const covering = naming.certificates.filter((c) => certificateCovers(c.names, want.name));
  // A certificate that could not be read may be the one to use: nothing is requested on a guess.
  const unreadable = covering.find((c) => c.readError);
  if (unreadable) {
    out.resources.push({ kind: 'certificate', id: unreadable.arn, status: 'Error', diffs: [], message: `cannot read certificate ${unreadable.arn}: ${unreadable.readError}; nothing is requested until it can be read` });
    return undefined;
  }
  const issued = covering.filter((c) => c.status === 'ISSUED');
  const pick = issued.find((c) => isOwnedBy(c.tags, desired.owner) && c.tags?.[SERVICE_TAG] === svc.name) ?? issued.find((c) => isOwnedBy(c.tags, desired.owner)) ?? issued[0];
  const ownRequested = covering.filter((c) => isOwnedBy(c.tags, desired.owner) && c.tags?.[SERVICE_TAG] === svc.name);
  if (pick) {
    // A certificate another service of this RouteSet requested (a wildcard) keeps its
    // validation records for as long as this service uses it, whatever becomes of that service.
    if (isOwnedBy(pick.tags, desired.owner) && pick.tags?.[SERVICE_TAG] !== svc.name) {
      for (const v of pick.validation) if (v.name.endsWith(`.${zone.name}`)) planRecord(ctx, svc, zone, { name: v.name, type: 'CNAME', ttl: RECORD_TTL, values: [v.value] }, out);
    }
    const warning = expiryWarning(pick, naming.observedAt);
    out.resources.push({ kind: 'certificate', id: pick.arn, status: 'InSync', diffs: [], message: isOwnedBy(pick.tags, desired.owner) ? 'requested by routeyard' : 'an ISSUED certificate that covers the name', ...(warning ? { warning } : {}) });
    return pick.arn;
  }
  const pending = ownRequested.find((c) => c.status === 'PENDING_VALIDATION');
  if (pending) {
    certificateStatus(pending, out);
    return undefined;
  }
  // None usable: request one. A dead one of routeyard's (failed, timed out, expired, revoked,
  // inactive) is replaced: the domain moves to the new one once it is ISSUED, then the dead one goes.
  const deadOnes = ownRequested.filter((c) => DEAD.has(c.status)).sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  const dead = deadOnes[0];
  // A request that failed (CAA records, a validation that timed out) fails again until someone
  // fixes the cause: a new one is requested at most once a day, and the failed one is kept
  // meanwhile (it is what says when the last request was).
  if (dead && RETRY_LATER.has(dead.status) && dead.createdAt && naming.observedAt && Date.parse(naming.observedAt) - Date.parse(dead.createdAt) < DAY_MS) {
    const next = new Date(Date.parse(dead.createdAt) + DAY_MS).toISOString();
    out.resources.push({
      kind: 'certificate',
      id: dead.arn,
      status: 'Error',
      diffs: [],
      message: `the certificate routeyard requested is ${dead.status}${dead.failureReason ? ` (${dead.failureReason})` : ''}: fix the cause (CAA records, the validation record); a new one is requested at ${next} at the earliest`,
    });
    return undefined;
  }
  const why = dead ? `the certificate routeyard requested (${dead.arn}) is ${dead.status}${dead.failureReason ? ` (${dead.failureReason})` : ''}: a new one is requested with DNS validation` : 'no ISSUED certificate covers the name: one is requested with DNS validation';
  const diffs = [{ path: 'certificate', desired: { domainName: want.name, validation: 'DNS' }, live: dead ? { arn: dead.arn, status: dead.status, ...(dead.failureReason ? { failureReason: dead.failureReason } : {}) } : null }];
  // Validation refuses a name no certificate request can cover; a long one gets its parent's wildcard as the common name.
  const names = certificateRequestNames(want.name) ?? { domainName: want.name };
  out.actions.push(action(svc, 'create', 'certificate', want.name, why, diffs, PHASE.requestCertificate, {
    type: 'requestCertificate',
    name: names.domainName,
    ...(names.subjectAlternativeNames ? { subjectAlternativeNames: names.subjectAlternativeNames } : {}),
    tags: ownershipTags(desired.owner, svc.name),
  }));
  out.resources.push({ kind: 'certificate', id: want.name, status: 'Pending', diffs, message: `${dead ? `replacing ${dead.status} ${dead.arn}; ` : ''}waiting for certificate validation (a certificate is requested; its DNS validation records follow on the next pass)` });
  return undefined;
}

/** Failures a new request would repeat until someone fixes their cause. */
const RETRY_LATER = new Set(['FAILED', 'VALIDATION_TIMED_OUT']);
const DAY_MS = 86_400_000;

/** Statuses from which a certificate never becomes usable again. */
const DEAD = new Set(['FAILED', 'VALIDATION_TIMED_OUT', 'EXPIRED', 'REVOKED', 'INACTIVE']);

/**
 * The validation records of the certificates routeyard requested for this service stay while
 * those certificates do (renewals use them): those that cover the service's name. A dead
 * one's record is the very record its replacement needs (ACM's validation CNAME depends on the
 * name and the account), so it stays too. One for a name the service no longer has goes.
 */
function keepOwnValidationRecords(ctx: NamingContext, svc: DesiredService, zone: ObservedZone, out: NamingPlan): void {
  for (const c of ctx.naming.certificates) {
    if (!isOwnedBy(c.tags, ctx.desired.owner) || c.tags?.[SERVICE_TAG] !== svc.name || c.readError) continue;
    if (svc.domain && !certificateCovers(c.names, svc.domain.name)) continue;
    for (const v of c.validation) if (v.name.endsWith(`.${zone.name}`)) planRecord(ctx, svc, zone, { name: v.name, type: 'CNAME', ttl: RECORD_TTL, values: [v.value] }, out);
  }
}

/** A record at `name` of one of `types` that this service's registry entries do not claim. */
function foreignRecordAt(
  ctx: NamingContext,
  svc: DesiredService,
  zone: ObservedZone,
  name: string,
  types: string[],
  ourTarget: { dnsName: string; hostedZoneId: string } | undefined,
): ObservedRecord | undefined {
  return zone.records.find((r) => {
    if (r.name !== name || !types.includes(r.type)) return false;
    // Exactly our alias with its registry entry lost is drift to repair, not someone else's.
    if (ourTarget && r.alias?.dnsName === ourTarget.dnsName && r.alias.hostedZoneId === ourTarget.hostedZoneId) return false;
    const reg = zone.records.find((x) => x.name === registryName(name, r.type) && x.type === 'TXT');
    const entry = reg?.values.map(parseRegistryValue).find(Boolean);
    return !(entry && entry.owner === ctx.desired.owner && entry.service === svc.name);
  });
}

/** A certificate in use this close to its expiry, not being renewed, is a warning. */
const EXPIRY_WARNING_DAYS = 14;

/**
 * Why a certificate in use will stop working, if it will: it expires within 14 days and ACM
 * is not renewing it (imported, ineligible for managed renewal, or its renewal failed).
 */
export function expiryWarning(cert: ObservedCertificate, observedAt: string | undefined): string | undefined {
  if (!cert.notAfter || !observedAt) return undefined;
  const days = (Date.parse(cert.notAfter) - Date.parse(observedAt)) / 86_400_000;
  if (!(days <= EXPIRY_WARNING_DAYS)) return undefined;
  const renewing = cert.type !== 'IMPORTED' && cert.renewalEligibility !== 'INELIGIBLE' && cert.renewalStatus !== 'FAILED';
  if (renewing) return undefined;
  const why = cert.type === 'IMPORTED' ? 'it is imported, and ACM never renews imported certificates' : cert.renewalStatus === 'FAILED' ? 'its managed renewal failed' : 'ACM says it is not eligible for managed renewal';
  return `expires ${days < 0 ? 'has passed' : `in ${Math.max(0, Math.floor(days))} day(s)`} (${cert.notAfter}) and will not be renewed: ${why}; replace it before it does`;
}

/** ISSUED: true. PENDING_VALIDATION: Pending. Anything else: Error with ACM's reason. */
function certificateStatus(cert: ObservedCertificate, out: NamingPlan): boolean {
  if (cert.status === 'ISSUED') {
    out.resources.push({ kind: 'certificate', id: cert.arn, status: 'InSync', diffs: [] });
    return true;
  }
  if (cert.status === 'PENDING_VALIDATION') {
    out.resources.push({ kind: 'certificate', id: cert.arn, status: 'Pending', diffs: [], message: 'waiting for certificate validation' });
    return false;
  }
  out.resources.push({
    kind: 'certificate',
    id: cert.arn,
    status: 'Error',
    diffs: [],
    message: `the certificate is ${cert.status}${cert.failureReason ? ` (${cert.failureReason})` : ''}${cert.notAfter && cert.status === 'EXPIRED' ? `, expired ${cert.notAfter}` : ''}`,
  });
  return false;
}

function planMapping(svc: DesiredService, want: DesiredDomain, live: ObservedCustomDomain | undefined, apiRef: Ref, canMap: boolean, out: NamingPlan): void {
  if (!canMap) return;
  const id = `${want.name}/${want.basePath}`;
  if (live && !live.mappings.readable && live.mappings.deferred) {
    // Not re-read this pass (rolling verification): neither missing nor changed.
    out.resources.push({ kind: 'apiMapping', id, status: 'InSync', diffs: [], readThisPass: false, message: 'not re-read this pass (rolling verification): as last verified' });
    return;
  }
  if (live && !live.mappings.readable && !live.mappings.deferred) {
    out.resources.push({ kind: 'apiMapping', id, status: 'Error', diffs: [], message: `cannot read the API mappings: ${live.mappings.error}` });
    return;
  }
  const items = live?.mappings.readable ? live.mappings.items : [];
  const current = items.find((m) => m.key === want.basePath);
  const wantApi = 'value' in apiRef ? apiRef.value : '(API created in this pass)';
  if (!current) {
    const diffs = [{ path: 'apiMapping', desired: { apiId: wantApi, stage: '$default', key: want.basePath }, live: null }];
    out.actions.push(action(svc, 'create', 'apiMapping', id, 'the domain has no API mapping for the service', diffs, PHASE.createApiMapping, { type: 'createApiMapping', domain: want.name, apiId: apiRef, key: want.basePath }));
    out.resources.push({ kind: 'apiMapping', id, status: 'Missing', diffs });
  } else if (current.apiId !== wantApi || current.stage !== '$default') {
    const diffs: Diff[] = [];
    if (current.apiId !== wantApi) diffs.push({ path: 'apiMapping.apiId', desired: wantApi, live: current.apiId });
    if (current.stage !== '$default') diffs.push({ path: 'apiMapping.stage', desired: '$default', live: current.stage });
    out.actions.push(action(svc, 'update', 'apiMapping', id, 'the API mapping points at another API or stage', diffs, PHASE.updateApiMapping, {
      type: 'updateApiMapping',
      domain: want.name,
      mappingId: current.id,
      apiId: apiRef,
      key: want.basePath,
    }));
    out.resources.push({ kind: 'apiMapping', id, status: 'Drifted', diffs });
  } else {
    out.resources.push({ kind: 'apiMapping', id, status: 'InSync', diffs: [] });
  }
  // Other mappings on a domain routeyard owns are not the document's.
  for (const m of items.filter((x) => x !== current && x.key !== want.basePath)) {
    out.actions.push(action(svc, 'delete', 'apiMapping', `${want.name}/${m.key}`, `API mapping "${m.key}" is not in the document`, [{ path: 'apiMapping', desired: null, live: m }], PHASE.deleteApiMapping, {
      type: 'deleteApiMapping',
      domain: want.name,
      mappingId: m.id,
    }));
    out.resources.push({ kind: 'apiMapping', id: `${want.name}/${m.key}`, status: 'Orphaned', diffs: [] });
  }
}

function planPrivateRecord(ctx: NamingContext, svc: DesiredService, given: string, out: NamingPlan): void {
  const { desired, naming } = ctx;
  const zone = zoneFor(naming, desired.privateHostedZone ?? '', true);
  // A relative name (the zone given by id) is completed with the zone's name: reports show the full name.
  const name = qualifyName(given, zone.zone?.name);
  const alb = ctx.albFor ? ctx.albFor(svc) : desired.albDnsName && desired.albHostedZoneId ? { dnsName: desired.albDnsName, hostedZoneId: desired.albHostedZoneId } : undefined;
  if (alb === 'keep') {
    out.resources.push({ kind: 'dnsRecord', id: name, status: 'Pending', diffs: [], message: "follows the service's load balancer once its move is done" });
    return;
  }
  if (alb?.error) {
    out.resources.push({ kind: 'dnsRecord', id: name, status: 'Error', diffs: [], message: alb.error });
    return;
  }
  if (!zone.zone || !alb) {
    out.resources.push({ kind: 'dnsRecord', id: name, status: 'Error', diffs: [], message: `private hosted zone ${desired.privateHostedZone ?? '(none)'}: ${zone.error ?? 'albDnsName and albHostedZoneId are needed'}` });
    return;
  }
  if (!name.endsWith(`.${zone.zone.name}`)) {
    out.resources.push({ kind: 'dnsRecord', id: name, status: 'Error', diffs: [], message: `privateDns.name ${name} is not inside the private hosted zone ${zone.zone.name}` });
    return;
  }
  planRecord(ctx, svc, zone.zone, { name, type: 'A', values: [], alias: { dnsName: alb.dnsName, hostedZoneId: alb.hostedZoneId, evaluateTargetHealth: false } }, out);
}

/**
 * One record and its registry entry. A record is routeyard's only with a matching entry;
 * one without is a Conflict, unless it already holds exactly what routeyard wants (its entry
 * was lost): then only the entry is written back.
 */
function planRecord(ctx: NamingContext, svc: DesiredService, zone: ObservedZone, want: RecordSpec, out: NamingPlan): void {
  const owner = ctx.desired.owner;
  const id = `${want.name} ${want.type}`;
  const live = zone.records.find((r) => r.name === want.name && r.type === want.type && !r.setIdentifier);
  const regName = registryName(want.name, want.type);
  const reg = zone.records.find((r) => r.name === regName && r.type === 'TXT');
  const entry = reg ? reg.values.map(parseRegistryValue).find(Boolean) : undefined;
  const wantReg: RecordSpec = { name: regName, type: 'TXT', ttl: RECORD_TTL, values: [registryValue(owner, svc.name)] };
  const cname = want.type !== 'CNAME' ? zone.records.find((r) => r.name === want.name && r.type === 'CNAME') : undefined;
  if (cname) {
    out.resources.push({ kind: 'dnsRecord', id, status: 'Conflict', diffs: [], message: `${want.name} has a CNAME record, which allows no other record at its name` });
    return;
  }
  // A certificate's validation CNAME is one record for every certificate of a name (ACM derives
  // it from the name and the account): two services of this RouteSet may share it.
  if (entry && entry.owner === owner && entry.service !== svc.name && want.type === 'CNAME' && live && sameRecord(live, want)) {
    out.resources.push({ kind: 'dnsRecord', id, status: 'InSync', diffs: [], message: `a validation record shared with service ${entry.service}` });
    return;
  }
  if ((entry && (entry.owner !== owner || entry.service !== svc.name)) || (reg && !entry)) {
    out.resources.push({ kind: 'dnsRecord', id, status: 'Conflict', diffs: [], message: `the registry entry ${regName} belongs to ${entry ? `RouteSet "${entry.owner}" service "${entry.service}"` : 'someone else'}` });
    return;
  }
  const change = (action: RecordChange['action'], record: RecordSpec, reason: string, diffs: Diff[], op: 'create' | 'update') =>
    out.actions.push(actionFor(svc, op, `${record.name} ${record.type}`, reason, diffs, PHASE.upsertRecord, { type: 'changeRecord', zoneId: zone.id, zoneName: zone.name, change: { action, record } }));
  if (!live) {
    const diffs = [{ path: `dnsRecord[${id}]`, desired: show(want), live: null }];
    change('CREATE', want, entry ? 'the record is gone but its registry entry remains: recreated' : 'the record does not exist', diffs, 'create');
    if (!entry) change('CREATE', wantReg, 'ownership registry entry for the record', [{ path: `dnsRecord[${regName} TXT]`, desired: wantReg.values[0], live: null }], 'create');
    out.resources.push({ kind: 'dnsRecord', id, status: entry ? 'Drifted' : 'Missing', diffs });
    return;
  }
  const same = sameRecord(live, want);
  if (!entry) {
    if (!same) {
      out.resources.push({ kind: 'dnsRecord', id, status: 'Conflict', diffs: [{ path: `dnsRecord[${id}]`, desired: show(want), live: show(live) }], message: `${id} exists without a routeyard registry entry (${regName}): it is not routeyard's, so it is left alone` });
      return;
    }
    const diffs = [{ path: `dnsRecord[${regName} TXT]`, desired: wantReg.values[0], live: null }];
    change('CREATE', wantReg, 'the record already holds exactly what routeyard wants but has no registry entry (lost, or a record being taken over): the entry is written beside it', diffs, 'create');
    out.resources.push({ kind: 'dnsRecord', id, status: 'Drifted', diffs });
    return;
  }
  if (!same) {
    const diffs = [{ path: `dnsRecord[${id}]`, desired: show(want), live: show(live) }];
    change('UPSERT', want, 'the record points elsewhere', diffs, 'update');
    out.resources.push({ kind: 'dnsRecord', id, status: 'Drifted', diffs });
    return;
  }
  out.resources.push({ kind: 'dnsRecord', id, status: 'InSync', diffs: [] });
}

/**
 * Everything this RouteSet owns for names the document no longer wants, in reverse order:
 * records and their registry entries, the mappings, the domain (paced), and a certificate
 * routeyard requested once no domain uses it. Imported or foreign certificates never go.
 */
export function planNamingOrphans(
  ctx: NamingContext,
  wanted: { domains: Set<string>; records: Set<string>; certificates: Set<string>; protectedServices: Set<string> },
): Map<string, NamingPlan> {
  const { desired, naming } = ctx;
  const byService = new Map<string, NamingPlan>();
  const plan = (svc: string) => {
    let p = byService.get(svc);
    if (!p) byService.set(svc, (p = { resources: [], actions: [] }));
    return p;
  };
  for (const z of naming.zones) {
    const zone = z.zone;
    if (!zone) continue;
    for (const reg of zone.records.filter((r) => r.type === 'TXT' && r.name.startsWith('_routeyard-'))) {
      const entry = reg.values.map(parseRegistryValue).find(Boolean);
      // A service whose names could not be planned (a zone that cannot be read, a certificate
      // that does not fit) keeps every record it has: an error never deletes anything.
      if (!entry || entry.owner !== desired.owner || wanted.protectedServices.has(entry.service)) continue;
      const m = REGISTRY_NAME.exec(reg.name);
      if (!m) {
        // Not a name routeyard writes: anyone may have made it. Counted, never acted on.
        ctx.ignoredRegistryEntries = (ctx.ignoredRegistryEntries ?? 0) + 1;
        continue;
      }
      const type = m[1]!.toUpperCase();
      const name = m[2]!;
      if (wanted.records.has(`${zone.id} ${name} ${type}`)) continue;
      const p = plan(entry.service);
      const live = zone.records.find((r) => r.name === name && r.type === type && !r.setIdentifier);
      const id = `${name} ${type}`;
      if (live && !pointsWhereRoutyardWould(ctx, live)) {
        // A TXT record is anyone's to write: an entry makes a record routeyard's only when the
        // record also points where routeyard points its records. Otherwise both stay.
        p.resources.push({
          kind: 'dnsRecord',
          id,
          status: 'Conflict',
          diffs: [],
          message: `${id} has a routeyard registry entry (${reg.name}) but points where routeyard never points a record (${describeTarget(live)}): it may not be routeyard's, so neither is deleted; remove the entry if the record is someone else's`,
        });
        continue;
      }
      if (live) {
        p.actions.push(deleteRecordAction(entry.service, zone, live, `${id} is no longer wanted`));
      }
      p.actions.push(deleteRecordAction(entry.service, zone, reg, `the registry entry of ${id} goes with it`));
      p.resources.push({ kind: 'dnsRecord', id, status: 'Orphaned', diffs: [] });
    }
  }
  for (const d of naming.domains) {
    if (!isOwnedBy(d.tags, desired.owner) || wanted.domains.has(d.name)) continue;
    const svc = d.tags[SERVICE_TAG] ?? '(untagged)';
    if (wanted.protectedServices.has(svc)) continue;
    const p = plan(svc);
    if (d.mappings.readable) {
      for (const m of d.mappings.items) {
        p.actions.push(action({ name: svc }, 'delete', 'apiMapping', `${d.name}/${m.key}`, 'the domain is no longer in the document', [{ path: 'apiMapping', desired: null, live: m }], PHASE.deleteApiMapping, {
          type: 'deleteApiMapping',
          domain: d.name,
          mappingId: m.id,
        }));
      }
    }
    if (naming.slots.delete && (!ctx.used.delete || naming.slots.unpaced)) {
      ctx.used.delete = true;
      p.actions.push(action({ name: svc }, 'delete', 'customDomain', d.name, 'the domain is no longer in the document', [{ path: 'customDomain', desired: null, live: d.name }], PHASE.deleteDomainName, {
        type: 'deleteDomainName',
        name: d.name,
      }));
      p.resources.push({ kind: 'customDomain', id: d.name, status: 'Orphaned', diffs: [] });
    } else {
      p.resources.push({ kind: 'customDomain', id: d.name, status: 'Pending', diffs: [], message: queued('DeleteDomainName', naming.slots.nextDeleteAt) });
    }
  }
  // Certificates routeyard requested, by their own tags: one that no service uses any more
  // goes once no live domain uses it (a domain's delete may still be queued behind the pacing,
  // and API Gateway releases a deleted domain's certificate only minutes later: ACM then
  // answers ResourceInUse, which the applier reports as pending, not failed).
  const usedBy = new Map(naming.domains.flatMap((d) => (d.certificateArn ? [[d.certificateArn, d.name] as const] : [])));
  const declared = new Set(desired.services.map((s) => s.name));
  for (const c of naming.certificates) {
    if (!isOwnedBy(c.tags, desired.owner) || c.type === 'IMPORTED' || c.readError || wanted.certificates.has(c.arn)) continue;
    const svc = c.tags?.[SERVICE_TAG] ?? '(untagged)';
    if (wanted.protectedServices.has(svc)) continue;
    const p = plan(svc);
    const why = DEAD.has(c.status)
      ? `the certificate is ${c.status}${c.failureReason ? ` (${c.failureReason})` : ''} and was replaced`
      : declared.has(svc)
        ? 'the service no longer uses this certificate'
        : 'the service is no longer in the document';
    const domain = usedBy.get(c.arn);
    if (domain) {
      p.resources.push({ kind: 'certificate', id: c.arn, status: 'Pending', diffs: [], message: `${why}; deleted once the custom domain ${domain} no longer uses it (API Gateway releases a deleted domain's certificate minutes after the delete)` });
      continue;
    }
    p.actions.push(action({ name: svc }, 'delete', 'certificate', c.arn, `requested by routeyard; ${why}, and no custom domain uses it`, [{ path: 'certificate', desired: null, live: c.names }], PHASE.deleteCertificate, {
      type: 'deleteCertificate',
      arn: c.arn,
    }));
    p.resources.push({ kind: 'certificate', id: c.arn, status: 'Orphaned', diffs: [] });
  }
  return byService;
}

/** `_routeyard-<type>.<name>`: the only registry names routeyard writes (model/dns.ts). */
const REGISTRY_NAME = /^_routeyard-(a|aaaa|cname|txt)\.([a-z0-9_*-][a-z0-9_.*-]*)$/;

/**
 * Where routeyard points the records it writes: an alias to one of its custom domains'
 * regional targets or to the shared ALB, or a validation CNAME of one of its certificates.
 */
function pointsWhereRoutyardWould(ctx: NamingContext, r: ObservedRecord): boolean {
  const { desired, naming } = ctx;
  if (r.alias) {
    const to = (t: { dnsName: string; hostedZoneId: string } | undefined) => !!t && r.alias!.dnsName === t.dnsName.toLowerCase().replace(/\.$/, '') && r.alias!.hostedZoneId === t.hostedZoneId;
    if (naming.domains.some((d) => isOwnedBy(d.tags, desired.owner) && to(d.target))) return true;
    if (ctx.albs) return ctx.albs.some((a) => to(a));
    return !!desired.albDnsName && !!desired.albHostedZoneId && to({ dnsName: desired.albDnsName, hostedZoneId: desired.albHostedZoneId });
  }
  if (r.type !== 'CNAME') return false;
  const value = (r.values[0] ?? '').toLowerCase().replace(/\.$/, '');
  return naming.certificates.some(
    (c) => isOwnedBy(c.tags, desired.owner) && c.validation.some((v) => v.name === r.name && v.value.toLowerCase().replace(/\.$/, '') === value),
  );
}

function describeTarget(r: ObservedRecord): string {
  const text = r.alias ? `alias ${r.alias.dnsName}` : `${r.type} ${r.values.join(' ')}`;
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The records a service wants, as `zoneId name TYPE` (validation records included), to tell orphans apart. */
export function wantedRecordKeys(plan: NamingPlan): string[] {
  const keys: string[] = [];
  for (const a of plan.actions) if (a.payload.type === 'changeRecord' && a.payload.change.action !== 'DELETE') keys.push(`${a.payload.zoneId} ${a.payload.change.record.name} ${a.payload.change.record.type}`);
  return keys;
}

function deleteRecordAction(service: string, zone: ObservedZone, r: ObservedRecord, reason: string): Action {
  return actionFor({ name: service }, 'delete', `${r.name} ${r.type}`, reason, [{ path: `dnsRecord[${r.name} ${r.type}]`, desired: null, live: show(r) }], PHASE.deleteRecord, {
    type: 'changeRecord',
    zoneId: zone.id,
    zoneName: zone.name,
    change: {
      action: 'DELETE',
      record: { name: r.name, type: r.type, ...(r.ttl !== undefined ? { ttl: r.ttl } : {}), values: r.values, ...(r.alias ? { alias: r.alias } : {}) },
    },
  });
}

function zoneFor(naming: ObservedNaming, ref: string, isPrivate: boolean) {
  return naming.zones.find((z) => z.ref === ref && z.private === isPrivate) ?? { ref, private: isPrivate, error: 'was not read' };
}

function sameRecord(live: ObservedRecord, want: RecordSpec): boolean {
  if (want.alias) return !!live.alias && live.alias.dnsName === want.alias.dnsName && live.alias.hostedZoneId === want.alias.hostedZoneId;
  if (live.alias) return false;
  const norm = (xs: readonly string[]) => xs.map((x) => x.toLowerCase().replace(/\.$/, '')).sort();
  return JSON.stringify(norm(live.values)) === JSON.stringify(norm(want.values));
}

function show(r: RecordSpec | ObservedRecord): unknown {
  return r.alias ? { alias: r.alias.dnsName, hostedZoneId: r.alias.hostedZoneId } : { values: r.values };
}

function queued(operation: string, nextAt: string | undefined): string {
  return `queued: API Gateway allows one ${operation} per 30 s per account${nextAt ? `; next slot at ${nextAt}` : ''}`;
}

function action(svc: { name: string }, op: Action['op'], kind: Action['kind'], resourceId: string, reason: string, diffs: Diff[], phase: number, payload: Action['payload']): Action {
  return { id: `${op}:${kind}:${svc.name}:${resourceId}`, op, kind, service: svc.name, resourceId, reason, diffs, phase, payload };
}

function actionFor(svc: { name: string }, op: Action['op'], resourceId: string, reason: string, diffs: Diff[], phase: number, payload: Action['payload']): Action {
  return action(svc, op, 'dnsRecord', resourceId, reason, diffs, phase, payload);
}
