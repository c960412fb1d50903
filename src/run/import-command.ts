/**
 * `routeyard --import`: read the live account around one listener and write a RouteSet that
 * describes it (stdout, JSON) and a report of what was left out and why (stderr). Read-only:
 * every call goes through the one client factory, so it is counted and paced, and the run is
 * bounded by --pass-timeout like a pass.
 *
 * The reads, in order of need: the listener's load balancer, rules and target groups (ELBv2);
 * every HTTP API with its integrations, and routes and stages for those reaching the listener;
 * every custom domain with its mappings (API Gateway); the hosted zones (Route 53). Then, only
 * for the domains mapped to those APIs: their certificates' tags (ACM) and the records at
 * their names; and the private zone when one is named. Then the pure mapping (import/).
 */
import { readCertificateTagsForImport } from '../aws/acm/import-reads.ts';
import { withDeadline } from '../aws/api-scheduler.ts';
import { readDomainsForImport, readHttpApisForImport } from '../aws/apigateway/import-reads.ts';
import { readListenerForImport } from '../aws/elbv2/import-reads.ts';
import { listHostedZonesForImport, readZoneForImport, type ZoneSummary } from '../aws/route53/import-reads.ts';
import { loadRouteSet } from '../desired/load.ts';
import { DEFAULT_HEADER_NAME, resolveDesiredState } from '../desired/resolve.ts';
import { excerpt } from '../desired/excerpt.ts';
import { RouteyardError, describeError, faultOfAwsError } from '../errors.ts';
import type { ImportRequest, LiveSnapshot, LiveZone } from '../import/snapshot.ts';
import { renderImportReport } from '../import/report.ts';
import { domainsOfInterest, integrationReachesListener, isDeclarableCertificate, toDocument, zoneOf, type ImportResult } from '../import/to-document.ts';
import type { Logger } from '../log.ts';
import { sourceBackends, type Wiring } from './wire.ts';

export interface ImportOptions {
  /** --listener; otherwise spec.shared.listenerArn of --source. */
  listenerArn?: string;
  sourceUri?: string;
  headerName?: string;
  privateZone?: string;
  vpcLinkId?: string;
  name?: string;
  manage?: 'full' | 'observe';
  timeoutMs: number;
}

export interface ImportOutcome {
  exitCode: number;
  result?: ImportResult;
  error?: RouteyardError;
}

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const HOSTED_ZONE_ID = /^(\/hostedzone\/)?[A-Z0-9]{1,32}$/;

export async function runImport(opts: ImportOptions, wiring: Wiring, io: Io, log: Logger): Promise<ImportOutcome> {
  const started = performance.now();
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  try {
    const result = await withDeadline(deadline, async () => {
      const request = await importRequest(opts, wiring);
      const snapshot = await readSnapshot(wiring, request);
      log.debug({ rules: snapshot.rules.length, apis: snapshot.apis.length, domains: snapshot.domains.length }, 'live state read for import');
      return { request, snapshot, result: toDocument(snapshot, request) };
    });
    io.stdout(`${JSON.stringify(result.result.document, null, 2)}\n`);
    io.stderr(
      renderImportReport(result.result, {
        listenerArn: result.request.listenerArn,
        loadBalancerName: result.snapshot.loadBalancer.name,
        headerName: result.request.headerName,
        ...(result.request.privateZoneRef ? { privateZone: result.request.privateZoneRef } : {}),
        awsCalls: wiring.clients.counter.snapshot(),
        durationMs: performance.now() - started,
      }),
    );
    return { exitCode: 0, result: result.result };
  } catch (err) {
    const error = deadline.aborted
      ? new RouteyardError('PassTimedOut', `the import did not finish within ${Math.round(opts.timeoutMs / 1000)} s (--pass-timeout); nothing was written`, { fault: 'aws', cause: err })
      : err instanceof RouteyardError
        ? err
        : new RouteyardError('Internal', describeError(err), { cause: err });
    log.error({ code: error.code, err: error.message }, 'import failed');
    const fields = error.fieldErrors.slice(0, 50).map((e) => `\n  ${e.path}: ${e.message}`).join('');
    io.stderr(`routeyard: import failed: ${error.code}: ${error.message}${fields}\nAWS calls: ${wiring.clients.counter.snapshot().total} (${wiring.clients.counter.snapshot().mutating} mutating)\n`);
    return { exitCode: error.code === 'InvalidDesiredState' || error.code === 'UnresolvedReference' ? 3 : 1, error };
  }
}

/** What to import: from the flags, or from the document's spec.shared (its ssm: references resolved for reading, kept in the output). */
async function importRequest(opts: ImportOptions, wiring: Wiring): Promise<ImportRequest> {
  if (!opts.sourceUri) {
    return {
      listenerArn: opts.listenerArn!,
      headerName: opts.headerName ?? DEFAULT_HEADER_NAME,
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.manage ? { manage: opts.manage } : {}),
      ...(opts.privateZone ? { privateZoneRef: opts.privateZone } : {}),
      ...(opts.vpcLinkId ? { vpcLinkId: opts.vpcLinkId } : {}),
    };
  }
  const loaded = await loadRouteSet(opts.sourceUri, sourceBackends(wiring.clients));
  const desired = await resolveDesiredState(loaded.doc, wiring.pass.sources.parameters);
  return {
    listenerArn: desired.listenerArn,
    headerName: desired.headerName,
    name: opts.name ?? loaded.doc.metadata.name,
    ...(opts.manage ? { manage: opts.manage } : {}),
    ...(desired.privateHostedZone ? { privateZoneRef: desired.privateHostedZone } : {}),
    vpcLinkId: desired.vpcLinkId,
    shared: { ...loaded.doc.spec.shared },
  };
}

async function readSnapshot(wiring: Wiring, request: ImportRequest): Promise<LiveSnapshot> {
  const c = wiring.clients;
  const listenerArn = request.listenerArn;
  const [lb, apis, domains, zones] = await Promise.all([
    read('the listener, its rules and target groups (ELBv2)', () => readListenerForImport(c.elbv2, listenerArn)),
    read('the HTTP APIs (API Gateway)', () => readHttpApisForImport(c.apigateway, (integrations) => integrations.some((i) => integrationReachesListener(i, listenerArn)))),
    read('the custom domains (API Gateway)', () => readDomainsForImport(c.apigateway)),
    read('the hosted zones (Route 53)', () => listHostedZonesForImport(c.route53)),
  ]);
  const relevant = domainsOfInterest(apis.apis, domains, listenerArn);
  const names = new Map<ZoneSummary, string[]>();
  for (const d of relevant) {
    const { zone } = zoneOf(d.name.toLowerCase().replace(/\.$/, ''), zones);
    if (zone) names.set(zone, [...(names.get(zone) ?? []), d.name]);
  }
  const privateSummary = request.privateZoneRef ? privateZone(request.privateZoneRef, zones) : undefined;
  const [certificates, publicZones, priv] = await Promise.all([
    read('the certificates\' tags (ACM)', () => readCertificateTagsForImport(c.acm, relevant.map((d) => d.certificateArn ?? '').filter(isDeclarableCertificate))),
    read('the public zones\' records (Route 53)', () => Promise.all([...names].map(([zone, at]) => readZoneForImport(c.route53, zone, at)))),
    privateSummary ? read(`the private zone ${privateSummary.name} (Route 53)`, () => readZoneForImport(c.route53, privateSummary)) : Promise.resolve(undefined),
  ]);
  const withRecords = new Map(publicZones.map((z) => [z.id, z]));
  const allPublic: LiveZone[] = zones.filter((z) => !z.private).map((z) => withRecords.get(z.id) ?? { id: z.id, name: z.name, private: false, records: [] });
  return {
    loadBalancer: lb.loadBalancer,
    rules: lb.rules,
    targetGroups: lb.targetGroups,
    apis: apis.apis,
    otherApis: apis.otherApis,
    domains,
    certificates,
    publicZones: allPublic,
    ...(priv ? { privateZone: priv } : {}),
  };
}

/** The private zone named by --private-zone (or the document): by id, or by name among the private zones. */
function privateZone(ref: string, zones: readonly ZoneSummary[]): ZoneSummary {
  const byId = HOSTED_ZONE_ID.test(ref) ? zones.find((z) => z.id === ref.replace(/^\/hostedzone\//, '')) : undefined;
  if (byId) {
    if (!byId.private) throw new RouteyardError('UsageError', `hosted zone ${excerpt(ref, 64)} (${byId.name}) is public; --private-zone names the private zone of the services' private names`, { fault: 'user' });
    return byId;
  }
  const name = ref.toLowerCase().replace(/\.$/, '');
  const matches = zones.filter((z) => z.private && z.name === name);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new RouteyardError('UsageError', `${matches.length} private hosted zones are named ${excerpt(name, 253)} (${matches.map((z) => z.id).join(', ')}): give --private-zone the zone id`, { fault: 'user' });
  throw new RouteyardError('UsageError', `no private hosted zone ${excerpt(ref, 253)} in this account`, { fault: 'user' });
}

/** One group of reads; a failure fails the import (a partial view would leave services out silently). */
async function read<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof RouteyardError) throw err;
    const name = (err as { name?: string } | undefined)?.name ?? '';
    const userFault = faultOfAwsError(err) === 'user' || /^(ListenerNotFound|LoadBalancerNotFound)$/.test(name);
    throw new RouteyardError('ObserveFailed', `could not read ${what}: ${excerpt(describeError(err), 400)}; nothing was written`, { fault: userFault ? 'user' : 'aws', cause: err });
  }
}
