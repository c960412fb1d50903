import { describe, expect, it } from 'vitest';
import type { DriftResponse, Report } from '../model/report-contract.ts';
import { driftResponse } from '../../test/unit/builders.ts';
import { renderDashboard } from './html.ts';
import { loadBalancerFill, showsLoadBalancers } from './load-balancer-fill.ts';
import { ControllerMetrics } from './metrics.ts';
import { renderText } from './text.ts';

const LISTENER = (alb: string) => `arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/${alb}/50dc6c495c0c9188/f2f7dc8efc522ab2`;

function report(loadBalancers: Report['loadBalancers']): DriftResponse {
  return driftResponse([{ name: 'a', status: 'InSync', resources: [] }], { outcome: 'InSync', ...(loadBalancers ? { loadBalancers } : {}) });
}

const roomy = { name: 'default', listenerArn: LISTENER('shared'), rules: 3, ruleQuota: 100, targetGroups: 3, targetGroupQuota: 100, services: 3 };
const full = { name: 'alb-2', listenerArn: LISTENER('second'), rules: 12, ruleQuota: 100, targetGroups: 85, targetGroupQuota: 100, services: 85 };
const departed = { name: LISTENER('old-one'), listenerArn: LISTENER('old-one'), departed: true as const, rules: 2, ruleQuota: 100, targetGroups: 2, targetGroupQuota: 100, services: 0 };

describe('load balancer fill in the text report, the dashboard and /metrics', () => {
  it('takes the fuller of the two quotas, and names a departed ALB by its name, never its ARN', () => {
    const [a, b, c] = loadBalancerFill(report([roomy, full, departed]));
    expect(a).toMatchObject({ label: 'default', fill: 0.03 });
    expect(b).toMatchObject({ label: 'alb-2', fill: 0.85 });
    expect(c).toMatchObject({ label: 'departed:old-one', departed: true });
  });

  it('one ALB with room is not shown; several, a departed one or one nearly full are', () => {
    expect(showsLoadBalancers(loadBalancerFill(report([roomy])))).toBe(false);
    expect(showsLoadBalancers(loadBalancerFill(report(undefined)))).toBe(false);
    expect(showsLoadBalancers(loadBalancerFill(report([{ ...roomy, rules: 80 }])))).toBe(true);
    expect(showsLoadBalancers(loadBalancerFill(report([roomy, { ...roomy, name: 'b' }])))).toBe(true);
    expect(renderText(report([roomy]))).not.toContain('LOAD BALANCER');
  });

  it('the text report lists each ALB with its rules and groups against the quotas, and says which is nearly full', () => {
    const text = renderText(report([roomy, full, departed]));
    const line = (label: string) => text.split('\n').find((l) => l.startsWith(label));
    expect(line('default')).toMatch(/^default\s+3\/100\s+3\/100\s+3$/);
    expect(line('alb-2')).toMatch(/^alb-2\s+12\/100\s+85\/100\s+85\s+nearly full \(85%\): add a load balancer to spec\.shared\.loadBalancers$/);
    expect(line('departed:old-one')).toContain('departed: its services are moving away');
  });

  it("with several ALBs, each service's line says where it lives, or which way it moves; with one, nothing changes", () => {
    const several = report([roomy, full]);
    several.services = [
      { name: 'a', status: 'InSync', resources: [], loadBalancer: 'default' },
      { name: 'b', status: 'Pending', resources: [], loadBalancer: 'alb-2', movingFrom: 'default' },
    ];
    const text = renderText(several);
    expect(text.split('\n').find((l) => l.startsWith('a '))).toMatch(/^a\s+InSync\s+on default$/);
    expect(text.split('\n').find((l) => l.startsWith('b '))).toMatch(/^b\s+Pending\s+moving from default to alb-2$/);
    const html = renderDashboard(several, { refreshSeconds: 10, now: 0 });
    expect(html).toContain('<div class="note">moving from default to alb-2</div>');
    const one = report([roomy]);
    one.services = [{ name: 'a', status: 'InSync', resources: [], loadBalancer: 'default' }];
    expect(renderText(one)).not.toContain('on default');
    expect(renderDashboard(one, { refreshSeconds: 10, now: 0 })).not.toContain('on default');
  });

  it('after a pass that applied actions, the table says its figures are from before them', () => {
    const applied = report([roomy, full]);
    applied.summary = { ...applied.summary, applied: 2 };
    expect(renderText(applied)).toContain('(rules and groups as read at the start of this pass, before its actions)');
    expect(renderText(report([roomy, full]))).not.toContain('as read at the start');
  });

  it('the dashboard has a load balancer table with the same figures', () => {
    const html = renderDashboard(report([roomy, full]), { refreshSeconds: 10, now: Date.parse('2026-11-30T12:00:01Z') });
    expect(html).toContain('<h2>Load balancers</h2>');
    expect(html).toContain('<tr><td>alb-2</td><td>12 / 100</td><td>85 / 100</td><td>85</td><td>nearly full (85%)');
    expect(renderDashboard(report([roomy]), { refreshSeconds: 10, now: 0 })).not.toContain('Load balancers');
  });

  it('/metrics has one series per ALB by shard name; a shard gone from the report drops its series', async () => {
    const m = new ControllerMetrics();
    m.observePass(report([roomy, full]));
    let text = await m.registry.metrics();
    expect(text).toContain('routeyard_load_balancer_rules{load_balancer="alb-2"} 12');
    expect(text).toContain('routeyard_load_balancer_target_groups{load_balancer="alb-2"} 85');
    expect(text).toContain('routeyard_load_balancer_target_group_quota{load_balancer="default"} 100');
    expect(text).toContain('routeyard_load_balancer_rule_quota{load_balancer="default"} 100');
    expect(text).toContain('routeyard_load_balancer_services{load_balancer="default"} 3');
    expect(text).not.toContain('arn:aws');
    m.observePass(report([roomy]));
    text = await m.registry.metrics();
    expect(text).not.toContain('load_balancer="alb-2"');
    expect(text).toContain('routeyard_load_balancer_rules{load_balancer="default"} 3');
  });
});
