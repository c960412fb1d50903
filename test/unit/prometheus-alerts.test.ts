import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/harness.ts';

/**
 * The shipped alerting rules, run by promtool (Debian's prometheus package, `make
 * system-tools`) on series shaped as /metrics has them: the rule fires on either quota, and
 * not below 80%.
 */
describe('deploy/prometheus/routeyard-alerts.yml', () => {
  it('promtool: RouteyardLoadBalancerNearlyFull fires on rules or target groups at 80% or above, once per ALB, not below', () => {
    const dir = mkdtempSync(join(tmpdir(), 'routeyard-alerts-'));
    const test = `rule_files:
  - ${join(repoRoot, 'deploy/prometheus/routeyard-alerts.yml')}
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - { series: 'routeyard_load_balancer_rules{load_balancer="alb-1"}', values: '10x30' }
      - { series: 'routeyard_load_balancer_rule_quota{load_balancer="alb-1"}', values: '100x30' }
      - { series: 'routeyard_load_balancer_target_groups{load_balancer="alb-1"}', values: '85x30' }
      - { series: 'routeyard_load_balancer_target_group_quota{load_balancer="alb-1"}', values: '100x30' }
      - { series: 'routeyard_load_balancer_rules{load_balancer="alb-2"}', values: '90x30' }
      - { series: 'routeyard_load_balancer_rule_quota{load_balancer="alb-2"}', values: '100x30' }
      - { series: 'routeyard_load_balancer_target_groups{load_balancer="alb-2"}', values: '5x30' }
      - { series: 'routeyard_load_balancer_target_group_quota{load_balancer="alb-2"}', values: '100x30' }
      - { series: 'routeyard_load_balancer_rules{load_balancer="alb-3"}', values: '79x30' }
      - { series: 'routeyard_load_balancer_rule_quota{load_balancer="alb-3"}', values: '100x30' }
      - { series: 'routeyard_load_balancer_target_groups{load_balancer="alb-3"}', values: '79x30' }
      - { series: 'routeyard_load_balancer_target_group_quota{load_balancer="alb-3"}', values: '100x30' }
      - { series: 'routeyard_load_balancer_rules{load_balancer="alb-4"}', values: '80x30' }
      - { series: 'routeyard_load_balancer_rule_quota{load_balancer="alb-4"}', values: '100x30' }
      - { series: 'routeyard_load_balancer_target_groups{load_balancer="alb-4"}', values: '95x30' }
      - { series: 'routeyard_load_balancer_target_group_quota{load_balancer="alb-4"}', values: '100x30' }
      # A second controller copy exporting the same gauges: still one alert per ALB.
      - { series: 'routeyard_load_balancer_rules{load_balancer="alb-2",instance="standby"}', values: '90x30' }
      - { series: 'routeyard_load_balancer_rule_quota{load_balancer="alb-2",instance="standby"}', values: '100x30' }
    alert_rule_test:
      - eval_time: 10m
        alertname: RouteyardLoadBalancerNearlyFull
        exp_alerts: []
      - eval_time: 20m
        alertname: RouteyardLoadBalancerNearlyFull
        exp_alerts:
          - exp_labels: { severity: warning, load_balancer: alb-1 }
            exp_annotations:
              summary: "ALB alb-1 is nearly full: its rules or its target groups are at 80% of the quota or more"
              description: "Add a load balancer to spec.shared.loadBalancers before it fills (docs/load-balancers.md)."
          - exp_labels: { severity: warning, load_balancer: alb-2 }
            exp_annotations:
              summary: "ALB alb-2 is nearly full: its rules or its target groups are at 80% of the quota or more"
              description: "Add a load balancer to spec.shared.loadBalancers before it fills (docs/load-balancers.md)."
          - exp_labels: { severity: warning, load_balancer: alb-4 }
            exp_annotations:
              summary: "ALB alb-4 is nearly full: its rules or its target groups are at 80% of the quota or more"
              description: "Add a load balancer to spec.shared.loadBalancers before it fills (docs/load-balancers.md)."
`;
    writeFileSync(join(dir, 'test.yml'), test);
    const run = spawnSync('promtool', ['test', 'rules', join(dir, 'test.yml')], { encoding: 'utf8' });
    expect(run.error, 'promtool is installed by `make system-tools`').toBeUndefined();
    expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });
});
