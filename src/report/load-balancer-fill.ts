import type { Report } from '../model/report-contract.ts';

/** At or above this share of either quota an ALB is "nearly full": the text report and the dashboard say so. */
export const NEARLY_FULL = 0.8;

export interface LoadBalancerFill {
  /** The shard's name; a departed shard (named in the report by its listener ARN) is `departed:<ALB name>`. */
  label: string;
  departed: boolean;
  rules: number;
  ruleQuota: number | undefined;
  targetGroups: number;
  targetGroupQuota: number;
  services: number;
  /** The fuller of the two quotas, 0..1 (or more: a quota lowered under what is there). */
  fill: number;
}

/**
 * Each ALB's rules and target groups against its quotas, from `report.loadBalancers`, in one
 * shape for the text report, the dashboard and /metrics (the JSON report has the raw figures).
 */
export function loadBalancerFill(report: Pick<Report, 'loadBalancers'>): LoadBalancerFill[] {
  return (report.loadBalancers ?? []).map((lb) => {
    const departed = lb.departed === true;
    const fill = Math.max(lb.ruleQuota ? lb.rules / lb.ruleQuota : 0, lb.targetGroupQuota ? lb.targetGroups / lb.targetGroupQuota : 0);
    return {
      label: departed ? `departed:${albNameOf(lb.listenerArn)}` : lb.name,
      departed,
      rules: lb.rules,
      ruleQuota: lb.ruleQuota,
      targetGroups: lb.targetGroups,
      targetGroupQuota: lb.targetGroupQuota,
      services: lb.services,
      fill,
    };
  });
}

/** Whether a report shows its ALBs: several, a departed one, or one nearly full. One ALB with room is not news. */
export function showsLoadBalancers(fills: readonly LoadBalancerFill[]): boolean {
  return fills.length > 1 || fills.some((f) => f.departed || f.fill >= NEARLY_FULL);
}

/** `arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>` → `<name>` (the ARN itself when it is not one). */
function albNameOf(listenerArn: string): string {
  const m = /:listener\/(?:app|net)\/([^/]+)\//.exec(listenerArn);
  return m ? m[1]! : listenerArn;
}
