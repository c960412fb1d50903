"""The one moto launcher: moto's own server, with the few gaps closed where AWS always does
something moto does not. Each patch changes exactly that behaviour and cites the reference
it follows; everything else is moto as pinned in requirements-test.txt.

Run as `python moto_launcher.py -H 127.0.0.1 -p PORT` (the arguments of moto_server).
test/support/moto.ts starts it for the integration tests, the demo and the benches.
"""

import hashlib
import os
import sys
import time

from moto.acm import exceptions as acm_exceptions
from moto.acm import models as acm_models
from moto.apigatewayv2 import exceptions as apigatewayv2_exceptions
from moto.apigatewayv2 import models as apigatewayv2_models
from moto.elbv2 import models as elbv2_models
from moto.route53 import exceptions as route53_exceptions
from moto.route53 import models as route53_models
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


# API Gateway's regional hosted zone ids, by Region (API Gateway endpoints and quotas,
# "Amazon API Gateway endpoints"): what a REGIONAL custom domain's HostedZoneId holds.
_APIGW_REGIONAL_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8",
    "us-east-2": "ZOJJZC49E0EPZ",
    "us-west-1": "Z2MUQ32089INYE",
    "us-west-2": "Z2OJLYMUO9EFXC",
    "eu-west-1": "ZLY8HYME6SFDD",
    "eu-west-2": "ZJ5UAJN8Y3Z2Q",
    "eu-central-1": "Z1U9ULNL0V5AJ3",
    "ap-southeast-1": "ZL327KTPIQFUL",
    "ap-northeast-1": "Z1YSHQZHG15GKL",
}

_domain_init = apigatewayv2_models.DomainName.__init__


def _domain_init_with_regional_target(self, domain_name, domain_name_configurations, mutual_tls_authentication, tags, backend):
    """AWS returns, for every REGIONAL domain configuration, the regional target that alias
    records point at: ApiGatewayDomainName (d-<id>.execute-api.<region>.amazonaws.com),
    HostedZoneId, and DomainNameStatus (API Gateway V2 API reference, DomainNameConfiguration).
    moto returns the configuration as it was sent."""
    _domain_init(self, domain_name, domain_name_configurations, mutual_tls_authentication, tags, backend)
    region = backend.region_name
    for config in self.domain_name_configurations or []:
        if config.get("endpointType", "REGIONAL") == "REGIONAL":
            suffix = hashlib.sha256(f"{backend.account_id}/{region}/{domain_name}".encode()).hexdigest()[:10]
            config.setdefault("apiGatewayDomainName", f"d-{suffix}.execute-api.{region}.amazonaws.com")
            config.setdefault("hostedZoneId", _APIGW_REGIONAL_ZONES.get(region, "ZLY8HYME6SFDD"))
            config.setdefault("domainNameStatus", "AVAILABLE")
            config.setdefault("endpointType", "REGIONAL")
            config.setdefault("securityPolicy", "TLS_1_2")


apigatewayv2_models.DomainName.__init__ = _domain_init_with_regional_target

_create_domain_name = apigatewayv2_models.ApiGatewayV2Backend.create_domain_name


def _create_domain_name_needs_issued_certificate(self, domain_name, domain_name_configurations, mutual_tls_authentication, tags):
    """AWS refuses a custom domain whose ACM certificate is not ISSUED (BadRequestException;
    API Gateway Developer Guide, "Setting up custom domain names for HTTP APIs": the
    certificate must be issued). moto accepts any certificate ARN."""
    for config in domain_name_configurations or []:
        arn = config.get("certificateArn")
        if not arn:
            continue
        try:
            cert = acm_models.acm_backends[self.account_id][self.region_name].describe_certificate(arn)
        except Exception:
            raise apigatewayv2_exceptions.BadRequestException(f"Certificate {arn} not found")
        if cert.status != "ISSUED":
            raise apigatewayv2_exceptions.BadRequestException(f"Certificate {arn} is in status {cert.status}: a custom domain needs an ISSUED certificate")
    return _create_domain_name(self, domain_name, domain_name_configurations, mutual_tls_authentication, tags)


apigatewayv2_models.ApiGatewayV2Backend.create_domain_name = _create_domain_name_needs_issued_certificate


_change_rrsets = route53_models.Route53Backend.change_resource_record_sets


def _record_set_key(rrset):
    """A record set's identity in a zone: name (any case, with or without the final dot, \\052
    for a leading *), type and set identifier."""
    name = rrset["Name"].replace("\\052", "*").rstrip(".").lower() + "."
    return name, rrset["Type"], rrset.get("SetIdentifier")


def _invalid_change_batch(reasons):
    """Route 53's InvalidChangeBatch: every reason, in one message, in brackets (aws-sdk-kotlin
    pull request 1435, quoting Route 53's answer: <Code>InvalidChangeBatch</Code><Message>[Tried
    to delete ..., Tried to create ... but it already exists]</Message>). The JavaScript SDK puts
    it in the error's `message`; its `messages` stays empty."""
    return route53_exceptions.Route53ClientError("InvalidChangeBatch", "[" + ", ".join(reasons) + "]")


def _rrset_described(key):
    name, rtype, set_id = key
    return f"[name='{name}', type='{rtype}'" + (f", set-identifier='{set_id}'" if set_id is not None else "") + "]"


def _change_rrsets_create_checks_name_and_type(self, zoneid, change_list):
    """AWS refuses a CREATE only when a record set with the same name, type and set
    identifier exists (Route 53 API reference, ChangeResourceRecordSets: "CREATE: Creates a
    resource record set that has the specified values", InvalidChangeBatch "already exists").
    moto refuses a CREATE it has seen before whenever any record sorts after the name (an
    AAAA beside the A being re-created, say). Here a CREATE of a name and type that do not
    exist (or that a DELETE earlier in the batch removes) is passed to moto as the equivalent
    UPSERT; one that does exist is refused as AWS refuses it, every such change named."""
    zone = self.get_hosted_zone(zoneid)
    existing = {_record_set_key({"Name": r.name, "Type": r.type, "SetIdentifier": getattr(r, "set_identifier", None)}) for r in zone.rrsets}
    reasons = []
    for change in change_list:
        key = _record_set_key(change["ResourceRecordSet"])
        if change.get("Action") == "DELETE":
            existing.discard(key)
        elif change.get("Action") == "CREATE":
            if key in existing:
                reasons.append(f"Tried to create resource record set {_rrset_described(key)} but it already exists")
            existing.add(key)
    if reasons:
        raise _invalid_change_batch(reasons)
    for change in change_list:
        if change.get("Action") == "CREATE":
            change["Action"] = "UPSERT"
    return _change_rrsets(self, zoneid, change_list)


route53_models.Route53Backend.change_resource_record_sets = _change_rrsets_create_checks_name_and_type

_change_rrsets_checked = route53_models.Route53Backend.change_resource_record_sets


def _change_rrsets_one_change_per_record_set(self, zoneid, change_list):
    """AWS refuses a change batch that changes one record set (name, type, set identifier)
    twice, with InvalidChangeBatch "The request contains an invalid set of changes for a
    resource record set '<type> <name>'" (Route 53 API reference, ChangeResourceRecordSets,
    InvalidChangeBatch; the answer as Route 53 gives it, quoted in barnybug/cli53 issue 81 for
    two changes of one CNAME in a batch). The one pair allowed is a DELETE followed by a CREATE:
    a batch is one transaction ("Change batches are considered transactional changes"), and
    deleting a record set and creating it anew in one batch is how it is replaced. moto applies
    the changes one after the other, the last one winning."""
    changes_by_set = {}
    for change in change_list:
        changes_by_set.setdefault(_record_set_key(change["ResourceRecordSet"]), []).append(change.get("Action"))
    reasons = [
        f"The request contains an invalid set of changes for a resource record set '{rtype} {name}'"
        for (name, rtype, _), actions in changes_by_set.items()
        if len(actions) > 1 and actions != ["DELETE", "CREATE"]
    ]
    if reasons:
        raise _invalid_change_batch(reasons)
    return _change_rrsets_checked(self, zoneid, change_list)


route53_models.Route53Backend.change_resource_record_sets = _change_rrsets_one_change_per_record_set


class _Conflict(apigatewayv2_exceptions.APIGatewayV2Error):
    code = 409

    def __init__(self, message):
        super().__init__("ConflictException", message)


_create_route = apigatewayv2_models.ApiGatewayV2Backend.create_route


def _create_route_key_unique(self, *args, **kwargs):
    """AWS refuses a route whose key the API already has (ConflictException, 409; API
    Gateway V2 API reference, CreateRoute: a route key is unique within an API). moto
    creates a second route with the same key."""
    api_id = kwargs.get("api_id", args[0] if args else None)
    route_key = kwargs.get("route_key")
    api = self.get_api(api_id)
    if any(r.route_key == route_key for r in api.routes.values()):
        raise _Conflict(f"Route with key {route_key} already exists for this API")
    return _create_route(self, *args, **kwargs)


apigatewayv2_models.ApiGatewayV2Backend.create_route = _create_route_key_unique

_create_stage = apigatewayv2_models.ApiGatewayV2Backend.create_stage


def _create_stage_name_unique(self, api_id, config):
    """AWS refuses a stage whose name the API already has (ConflictException, 409; API
    Gateway V2 API reference, CreateStage). moto replaces the existing stage."""
    api = self.get_api(api_id)
    name = (config or {}).get("stageName")
    if name in api.stages:
        raise _Conflict(f"Stage {name} already exists")
    return _create_stage(self, api_id, config)


apigatewayv2_models.ApiGatewayV2Backend.create_stage = _create_stage_name_unique

_create_api_mapping = apigatewayv2_models.ApiGatewayV2Backend.create_api_mapping


def _create_api_mapping_key_unique(self, api_id, api_mapping_key, domain_name, stage):
    """AWS refuses a mapping whose key the domain already maps (ConflictException, 409;
    API Gateway V2 API reference, CreateApiMapping: one API mapping per key and domain).
    moto derives the mapping id from stage, domain and key and silently replaces the
    existing mapping, even one to another API."""
    key = api_mapping_key or ""
    if any(m.domain_name == domain_name and (m.api_mapping_key or "") == key for m in self.api_mappings.values()):
        raise _Conflict("ApiMapping key already exists for this domain name")
    return _create_api_mapping(self, api_id, api_mapping_key, domain_name, stage)


apigatewayv2_models.ApiGatewayV2Backend.create_api_mapping = _create_api_mapping_key_unique


_delete_api = apigatewayv2_models.ApiGatewayV2Backend.delete_api


def _delete_api_refused_while_mapped(self, api_id):
    """AWS refuses to delete an API that a custom domain still maps (BadRequestException:
    "Deleting API ... failed. Please remove all API mappings for the API from your custom
    domain names."; API Gateway V2 API reference, DeleteApi). moto deletes it and leaves the
    mapping pointing at an API that no longer exists."""
    if any(m.api_id == api_id for m in self.api_mappings.values()):
        raise apigatewayv2_exceptions.BadRequestException(
            f"Deleting API {api_id} failed. Please remove all API mappings for the API from your custom domain names."
        )
    return _delete_api(self, api_id)


apigatewayv2_models.ApiGatewayV2Backend.delete_api = _delete_api_refused_while_mapped


def _certificate_release_seconds():
    """How long API Gateway keeps a certificate after the custom domain using it is deleted:
    ROUTEYARD_MOTO_CERT_RELEASE_SECONDS (default 3; minutes on AWS)."""
    return float(os.environ.get("ROUTEYARD_MOTO_CERT_RELEASE_SECONDS", "3"))


def _domains_using_certificate(account_id, region, arn):
    backend = apigatewayv2_models.apigatewayv2_backends[account_id][region]
    return sorted(d.domain_name for d in backend.domain_names.values() if any(c.get("certificateArn") == arn for c in d.domain_name_configurations or []))


_delete_domain_name = apigatewayv2_models.ApiGatewayV2Backend.delete_domain_name


def _delete_domain_name_releases_certificate_later(self, domain_name):
    """Deleting a custom domain does not release its certificate at once: API Gateway lets go
    of the association some minutes later, and ACM refuses to delete the certificate until
    then (aws-cdk issue 36265; Terraform's aws_acm_certificate retries DeleteCertificate on
    ResourceInUseException for that reason). moto forgets the domain and the association at
    once. Here the certificate stays in use for ROUTEYARD_MOTO_CERT_RELEASE_SECONDS."""
    domain = self.domain_names.get(domain_name)
    _delete_domain_name(self, domain_name)
    acm = acm_models.acm_backends[self.account_id][self.region_name]
    release_at = getattr(acm, "_routeyard_release_at", {})
    acm._routeyard_release_at = release_at
    for config in domain.domain_name_configurations or []:
        arn = config.get("certificateArn")
        if arn:
            release_at[arn] = max(release_at.get(arn, 0.0), time.monotonic() + _certificate_release_seconds())


apigatewayv2_models.ApiGatewayV2Backend.delete_domain_name = _delete_domain_name_releases_certificate_later

_delete_certificate = acm_models.AWSCertificateManagerBackend.delete_certificate


def _delete_certificate_refused_in_use(self, arn):
    """ACM refuses to delete a certificate another AWS service uses (ResourceInUseException;
    ACM API reference, DeleteCertificate: "You cannot delete an ACM certificate that is being
    used by another Amazon Web Services service. To delete a certificate that is in use, the
    certificate association must first be removed."): here while an API Gateway custom domain
    uses it, and for a while after that domain is deleted (above). moto deletes it."""
    if arn in self._certificates:
        users = _domains_using_certificate(self.account_id, self.region_name, arn)
        released = getattr(self, "_routeyard_release_at", {}).get(arn, 0.0) <= time.monotonic()
        if users or not released or self._certificates[arn].in_use_by:
            raise acm_exceptions.AWSError(f"Certificate {arn} in account {self.account_id} is in use.", "ResourceInUseException")
    return _delete_certificate(self, arn)


acm_models.AWSCertificateManagerBackend.delete_certificate = _delete_certificate_refused_in_use


if __name__ == "__main__":
    sys.exit(main())
