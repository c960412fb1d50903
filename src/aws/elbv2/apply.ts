import {
  AddTagsCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ModifyRuleCommand,
  ModifyTargetGroupCommand,
  SetRulePrioritiesCommand,
  type Action,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import pRetry, { AbortError } from 'p-retry';
import type { HealthCheckSettings } from '../../model/desired.ts';
import type { Tags } from '../../model/tags.ts';
import { createOnce } from '../lost-answers.ts';
import type { RuleChange, RuleCreate } from '../../reconcile/ports.ts';
import { forwardTargets } from './observe.ts';

/** The ELBv2 mutations routeyard makes; each returns the id it produced, if any. */
export class Elbv2Applier {
  private readonly elbv2: ElasticLoadBalancingV2Client;

  constructor(elbv2: ElasticLoadBalancingV2Client) {
    this.elbv2 = elbv2;
  }

  async createTargetGroup(p: { name: string; port: number; protocol: string; targetType: string; vpcId: string; healthCheck: HealthCheckSettings; tags: Tags }): Promise<string> {
    const out = await this.elbv2.send(
      new CreateTargetGroupCommand({
        Name: p.name,
        Port: p.port,
        Protocol: p.protocol as 'HTTP',
        TargetType: p.targetType as 'ip',
        VpcId: p.vpcId,
        ...healthCheckParams(p.healthCheck),
        Tags: toTagList(p.tags),
      }),
    );
    return out.TargetGroups?.[0]?.TargetGroupArn ?? '';
  }

  async modifyTargetGroup(arn: string, healthCheck: HealthCheckSettings): Promise<void> {
    await this.elbv2.send(new ModifyTargetGroupCommand({ TargetGroupArn: arn, ...healthCheckParams(healthCheck) }));
  }

  /**
   * A target group stays "in use" for a moment after the rule that forwarded to it is
   * deleted. The SDK does not retry ResourceInUse (it is not a throttle or a fault), so
   * this one call retries it briefly itself; any other error ends at once.
   */
  async deleteTargetGroup(arn: string, retryDelayMs = 1000): Promise<void> {
    await pRetry(
      async () => {
        try {
          await this.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn }));
        } catch (err) {
          if ((err as Error).name === 'ResourceInUseException' || (err as Error).name === 'ResourceInUse') throw err;
          throw new AbortError(err as Error);
        }
      },
      { retries: 4, minTimeout: retryDelayMs, factor: 2 },
    );
  }

  /**
   * CreateRule has no client token. After a lost answer the rule is looked for at its
   * priority (unique on a listener) with this header value and these ownership tags.
   */
  async createRule(p: RuleCreate): Promise<string> {
    return createOnce(
      'ELBv2.CreateRule',
      async () => {
        const out = await this.elbv2.send(
          new CreateRuleCommand({
            ListenerArn: p.listenerArn,
            Priority: p.priority,
            Conditions: headerConditions(p.headerName, p.headerValue, p.testHeader),
            Actions: [p.weighted ? weightedForward(p.weighted.targets, p.weighted.weights) : { Type: 'forward', TargetGroupArn: p.targetGroupArn }],
            Tags: toTagList(p.tags),
          }),
        );
        return out.Rules?.[0]?.RuleArn ?? '';
      },
      () => this.findRule(p),
    );
  }

  private async findRule(p: { listenerArn: string; priority: number; headerValue: string; tags: Tags }): Promise<string | undefined> {
    let marker: string | undefined;
    do {
      const page = await this.elbv2.send(new DescribeRulesCommand({ ListenerArn: p.listenerArn, PageSize: 400, ...(marker ? { Marker: marker } : {}) }));
      const rule = (page.Rules ?? []).find(
        (r) => r.Priority === String(p.priority) && (r.Conditions ?? []).some((c) => c.HttpHeaderConfig?.Values?.includes(p.headerValue)),
      );
      if (rule?.RuleArn) {
        const tags = (await this.elbv2.send(new DescribeTagsCommand({ ResourceArns: [rule.RuleArn] }))).TagDescriptions?.[0]?.Tags ?? [];
        const mine = Object.entries(p.tags).every(([k, v]) => tags.some((t) => t.Key === k && t.Value === v));
        return mine ? rule.RuleArn : undefined;
      }
      marker = page.NextMarker;
    } while (marker);
    return undefined;
  }

  /**
   * With a standby group, the forward is weighted: the serving group weight 1, the standby
   * weight 0. AWS then health-checks the standby's targets (it is attached to the load
   * balancer) and ECS may register into it, while every request still goes to the first.
   *
   * `conditionsOnly` sends no Actions (ModifyRule leaves them as they are): the weights are
   * another actor's. `weighted` with `live` weights reads the rule again just before the
   * call and keeps each group's weight as it is then (a group new to the rule gets 0), so an
   * ECS traffic shift made since the pass observed is not undone.
   */
  async modifyRule(p: RuleChange): Promise<void> {
    let actions: Action[] | undefined;
    if (p.conditionsOnly) actions = undefined;
    else if (p.weighted) {
      const weights = p.weighted.weights === 'live' ? await this.liveWeights(p.arn, p.weighted.targets) : p.weighted.weights;
      actions = [weightedForward(p.weighted.targets, weights)];
    } else if (p.standbyTargetGroupArn) {
      actions = [weightedForward([p.targetGroupArn, p.standbyTargetGroupArn], [1, 0])];
    } else {
      actions = [{ Type: 'forward', TargetGroupArn: p.targetGroupArn }];
    }
    await this.elbv2.send(
      new ModifyRuleCommand({
        RuleArn: p.arn,
        Conditions: headerConditions(p.headerName, p.headerValue, p.testHeader),
        ...(actions ? { Actions: actions } : {}),
        ...(p.resetTransforms ? { ResetTransforms: true } : {}),
      }),
    );
  }

  /** The rule's forward weights now, for these groups; if none of them carries traffic, the first takes it all. */
  private async liveWeights(ruleArn: string, targets: string[]): Promise<number[]> {
    const out = await this.elbv2.send(new DescribeRulesCommand({ RuleArns: [ruleArn] }));
    const forward = forwardTargets(out.Rules?.[0]?.Actions ?? []);
    // A forward to one group sends it everything, whatever weight AWS echoes: 100 of 100.
    const live = new Map(forward.map((t) => [t.arn, forward.length === 1 ? 100 : t.weight]));
    const weights = targets.map((t) => live.get(t) ?? 0);
    // AWS refuses a forward whose weights are all 0; that only happens when the rule forwarded
    // to none of these groups, so nothing ECS set up is undone by sending traffic to the first.
    return weights.some((w) => w > 0) ? weights : targets.map((_, i) => (i === 0 ? 100 : 0));
  }

  /** One call for all moves: AWS applies the set atomically, so priorities can be exchanged. */
  async setRulePriorities(moves: { arn: string; priority: number }[]): Promise<void> {
    await this.elbv2.send(new SetRulePrioritiesCommand({ RulePriorities: moves.map((m) => ({ RuleArn: m.arn, Priority: m.priority })) }));
  }

  /** AddTags adds or overwrites the given keys and leaves the others (a stack's own tags stay). */
  async addTags(arn: string, tags: Tags): Promise<void> {
    await this.elbv2.send(new AddTagsCommand({ ResourceArns: [arn], Tags: toTagList(tags) }));
  }

  async deleteRule(arn: string): Promise<void> {
    await this.elbv2.send(new DeleteRuleCommand({ RuleArn: arn }));
  }
}

function headerConditions(name: string, value: string, test?: { name: string; value: string }) {
  return [
    { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: name, Values: [value] } },
    ...(test ? [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: test.name, Values: [test.value] } }] : []),
  ];
}

/** A forward to several groups (ForwardConfig); AWS takes weights 0..999. */
function weightedForward(targets: string[], weights: number[]): Action {
  return { Type: 'forward', ForwardConfig: { TargetGroups: targets.map((arn, i) => ({ TargetGroupArn: arn, Weight: weights[i] ?? 0 })) } };
}

function healthCheckParams(hc: HealthCheckSettings) {
  return {
    ...(hc.path !== undefined ? { HealthCheckPath: hc.path } : {}),
    ...(hc.protocol !== undefined ? { HealthCheckProtocol: hc.protocol } : {}),
    ...(hc.port !== undefined ? { HealthCheckPort: hc.port } : {}),
    ...(hc.intervalSeconds !== undefined ? { HealthCheckIntervalSeconds: hc.intervalSeconds } : {}),
    ...(hc.timeoutSeconds !== undefined ? { HealthCheckTimeoutSeconds: hc.timeoutSeconds } : {}),
    ...(hc.healthyThresholdCount !== undefined ? { HealthyThresholdCount: hc.healthyThresholdCount } : {}),
    ...(hc.unhealthyThresholdCount !== undefined ? { UnhealthyThresholdCount: hc.unhealthyThresholdCount } : {}),
    ...(hc.matcher !== undefined ? { Matcher: { HttpCode: hc.matcher } } : {}),
  };
}

function toTagList(tags: Tags) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
