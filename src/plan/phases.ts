/**
 * Dependency order of a pass. Deletes of whatever sits in front of something run before
 * that thing is deleted (routes before integration before stage before API; rule before
 * target group); creates run the other way (target group before the rule forwarding to it).
 * Priority moves run before rule creates so a create never lands on a priority still held.
 */
export const PHASE = {
  // A published output goes before what it describes, so no pipeline reads an ARN about to vanish.
  deleteParameter: 0,
  // Adoption tags first: if one fails, nothing else of the service is written (apply stops its chain).
  adopt: 0,
  // Names go first when a service goes: records, then the mapping, the domain, the certificate
  // (a mapping would keep its API from being deleted).
  deleteRecord: 1,
  deleteApiMapping: 2,
  deleteDomainName: 3,
  deleteCertificate: 4,
  deleteOrphanRoute: 10,
  deleteOrphanIntegration: 11,
  deleteOrphanStage: 12,
  deleteOrphanApi: 13,
  deleteRule: 20,
  createTargetGroup: 30,
  updateTargetGroup: 31,
  setRulePriority: 40,
  modifyRule: 41,
  createRule: 42,
  deleteTargetGroup: 50,
  adoptApi: 59,
  createApi: 60,
  updateApi: 61,
  createIntegration: 62,
  updateIntegration: 63,
  createRoute: 64,
  updateRoute: 65,
  deleteRoute: 66,
  deleteIntegration: 67,
  createStage: 68,
  updateStage: 69,
  requestCertificate: 70,
  createDomainName: 71,
  updateDomainName: 72,
  createApiMapping: 73,
  updateApiMapping: 74,
  upsertRecord: 75,
  // Outputs last: each describes a resource that exists by then (created earlier in the pass).
  putParameter: 80,
} as const;
