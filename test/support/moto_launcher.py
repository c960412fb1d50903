"""The one moto launcher: moto's own server, with the few gaps closed where AWS always does
something moto does not. Each patch changes exactly that behaviour and cites the reference
it follows; everything else is moto as pinned in requirements-test.txt.

Run as `python moto_launcher.py -H 127.0.0.1 -p PORT` (the arguments of moto_server).
test/support/moto.ts starts it for the integration tests, the demo and the benches.
"""

import sys

from moto.apigatewayv2 import models as apigatewayv2_models
from moto.elbv2 import models as elbv2_models
from moto.server import main


def _trim_log_group_wildcard(settings):
    """API Gateway stores an access-log destination without the trailing ':*' that CDK and
    CloudFormation put on log group ARNs (AWS CloudFormation User Guide,
    AWS::ApiGatewayV2::Stage AccessLogSettings; API Gateway Developer Guide, "Configure
    logging for HTTP APIs": the destination is the log group ARN). moto keeps it verbatim."""
    if isinstance(settings, dict):
        arn = settings.get("destinationArn")
        if isinstance(arn, str) and arn.endswith(":*"):
            settings = {**settings, "destinationArn": arn[:-2]}
    return settings


_stage_init = apigatewayv2_models.Stage.__init__


def _stage_init_trimming(self, api, config):
    _stage_init(self, api, config)
    self.access_log_settings = _trim_log_group_wildcard(self.access_log_settings)


apigatewayv2_models.Stage.__init__ = _stage_init_trimming


def _forwarded_target_groups(actions):
    arns = set()
    for action in actions or []:
        data = getattr(action, "data", action) or {}
        if data.get("Type") != "forward":
            continue
        if data.get("TargetGroupArn"):
            arns.add(data["TargetGroupArn"])
        for tg in (data.get("ForwardConfig") or {}).get("TargetGroups", []):
            if tg.get("TargetGroupArn"):
                arns.add(tg["TargetGroupArn"])
    return arns


def _target_group_in_use(backend, target_group_arn):
    for balancer in backend.load_balancers.values():
        for listener in balancer.listeners.values():
            if target_group_arn in _forwarded_target_groups(listener.default_actions):
                return True
            for rule in listener.rules.values():
                if target_group_arn in _forwarded_target_groups(rule.actions):
                    return True
    return False


_describe_target_health = elbv2_models.ELBv2Backend.describe_target_health


def _describe_target_health_not_in_use(self, target_group_arn, targets):
    """A target group that no listener rule or default action uses is not health-checked:
    AWS reports its registered targets as `unused` with reason `Target.NotInUse`
    (Elastic Load Balancing User Guide for ALBs, "Target health status" and "Health check
    reason codes"). moto reports registered targets `healthy` whether or not any load
    balancer sends them traffic."""
    statuses = _describe_target_health(self, target_group_arn, targets)
    if _target_group_in_use(self, target_group_arn):
        return statuses
    for status in statuses:
        if status.status == "healthy":
            status.status = "unused"
            status.reason = "Target.NotInUse"
            status.description = "Target group is not configured to receive traffic from the load balancer"
    return statuses


elbv2_models.ELBv2Backend.describe_target_health = _describe_target_health_not_in_use


if __name__ == "__main__":
    sys.exit(main())
