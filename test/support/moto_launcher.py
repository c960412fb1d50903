"""The one moto launcher: moto's own server, with the few gaps closed where AWS always does
something moto does not. Each patch changes exactly that behaviour and cites the reference
it follows; everything else is moto as pinned in requirements-test.txt.

Last, every request to a service routeyard calls is checked against its operation's model
and refused as AWS refuses it (see "Every request checked against the published models").

Run as `python moto_launcher.py -H 127.0.0.1 -p PORT` (the arguments of moto_server).
test/support/moto.ts starts it for the integration tests, the demo and the benches.
Environment:
  ROUTEYARD_MOTO_CERT_RELEASE_SECONDS  how long a deleted custom domain keeps its certificate
                                       in use (default 3; minutes on AWS)
  ROUTEYARD_MOTO_CHECK_LOG             a file the model check appends each request it checks,
                                       refuses or cannot read to (unset: none)
"""

import gzip
import hashlib
import io
import json
import os
import re
import sys
import threading
import time
import unicodedata
from xml.sax.saxutils import escape as xml_escape

from botocore.loaders import create_loader as botocore_loader
from botocore.model import ServiceModel as BotocoreServiceModel
from moto.acm import exceptions as acm_exceptions
from moto.acm import models as acm_models
from moto.apigatewayv2 import exceptions as apigatewayv2_exceptions
from moto.apigatewayv2 import models as apigatewayv2_models
from moto.apigatewayv2 import urls as apigatewayv2_urls
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.request import Request, determine_request_protocol
from moto.core.routing import get_service_router
from moto.core.utils import get_service_model as moto_service_model
from moto.elbv2 import models as elbv2_models
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.route53 import exceptions as route53_exceptions
from moto.route53 import models as route53_models
from moto.server import main
from moto.ssm import exceptions as ssm_exceptions
from moto.ssm import models as ssm_models
from moto.utilities.utils import get_partition
from werkzeug.wrappers import Response


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


# --- API Gateway v2: TagResource on a custom domain name -------------------------------------
# The API Gateway V2 API reference (TagResource, "ResourceArn": "The resource ARN for the tag")
# takes the ARN of any taggable resource, custom domain names included
# (arn:aws:apigateway:REGION::/domainnames/NAME), and GetDomainName(s) then return the tags
# added. moto routes /v2/tags/ARN only for APIs and VPC links, and serializes a domain's tags
# from its creation: routeyard adopts an existing domain by tagging it (issue 17).
apigatewayv2_urls.url_paths["{0}/v2/tags/(?P<resource_arn_pt1>[^/]+)/domainnames/(?P<resource_arn_pt2>[^/]+)$"] = ApiGatewayV2Response.dispatch
_tag_resource = apigatewayv2_models.ApiGatewayV2Backend.tag_resource
_untag_resource = apigatewayv2_models.ApiGatewayV2Backend.untag_resource


def _domain_of_arn(backend, resource_arn):
    marker = "::/domainnames/"
    if marker not in resource_arn:
        return None
    return backend.domain_names.get(resource_arn.split(marker, 1)[1])


def _tag_resource_domains_too(self, resource_arn, tags):
    domain = _domain_of_arn(self, resource_arn)
    if domain is None:
        return _tag_resource(self, resource_arn, tags)
    domain.tags = {**(domain.tags or {}), **(tags or {})}


def _untag_resource_domains_too(self, resource_arn, tag_keys):
    domain = _domain_of_arn(self, resource_arn)
    if domain is None:
        return _untag_resource(self, resource_arn, tag_keys)
    domain.tags = {k: v for k, v in (domain.tags or {}).items() if k not in set(tag_keys or [])}


apigatewayv2_models.ApiGatewayV2Backend.tag_resource = _tag_resource_domains_too
apigatewayv2_models.ApiGatewayV2Backend.untag_resource = _untag_resource_domains_too

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


class _HierarchyLevelLimitExceeded(ssm_exceptions.SSMException):
    def __init__(self):
        super().__init__(
            "HierarchyLevelLimitExceededException",
            "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the Amazon Web Services Systems Manager User Guide.",
        )


_put_parameter = ssm_models.SimpleSystemManagerBackend.put_parameter

# SSM's limits on a parameter name that its model does not carry (PSParameterName is 1..2048).
_SSM_MAX_LEVELS = 15
_SSM_NAME_MAX_WITH_ARN = 1011


def _put_parameter_name_limits(self, name, *args, **kwargs):
    """Two limits SSM applies to a parameter's name, which moto does not (it takes any depth
    and any name up to the model's 2048):
    - Depth: "Parameter hierarchies are limited to a maximum depth of fifteen levels" (SSM API
      reference, PutParameter, Name). The User Guide ("Requirements and constraints for
      parameter names", Hierarchy depth) calls /Level-1/L2/.../L14/parameter-name (15 names)
      valid and says a deeper one "would fail with a HierarchyLevelLimitExceededException";
      levels are counted as that example counts them, the last name included.
    - Length: "The maximum length for a parameter name that you specify is 1011 characters.
      This count of 1011 characters includes the characters in the ARN that precede the name
      you specify" (API reference); "including the full content of the parameter ARN ... the
      length of the following parameter is 65 characters, not 20 characters:
      arn:aws:ssm:us-east-2:111122223333:parameter/ExampleParameterName" (User Guide). Counted
      on the ARN as AWS writes it (a hierarchical name's leading "/" is the one after
      "parameter"). Answered with the model check's ValidationException: the API reference
      does not name the code AWS uses for it."""
    if isinstance(name, str):
        if len([level for level in name.split("/") if level]) > _SSM_MAX_LEVELS:
            raise _HierarchyLevelLimitExceeded()
        arn = f"arn:{get_partition(self.region_name)}:ssm:{self.region_name}:{self.account_id}:parameter{'' if name.startswith('/') else '/'}{name}"
        if len(arn) > _SSM_NAME_MAX_WITH_ARN:
            raise ssm_exceptions.ValidationException(
                f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to "
                f"{_SSM_NAME_MAX_WITH_ARN - (len(arn) - len(name))} (1011 with the parameter ARN's {len(arn) - len(name)} characters before it)"
            )
    return _put_parameter(self, name, *args, **kwargs)


ssm_models.SimpleSystemManagerBackend.put_parameter = _put_parameter_name_limits


# --- Every request checked against the published models -------------------------------------
#
# AWS validates each request against the operation's input shape before doing anything with it
# and refuses one that breaks it: a required member missing, a string or a blob too short or too
# long, a list or a map with too few or too many entries, a number out of its range, a string
# not matching its pattern or not in its enum. These are the constraints of the service models
# botocore ships (the same models the SDKs are generated from; "Common Errors" in each API
# reference: ValidationException / ValidationError, HTTP 400, "The input fails to satisfy the
# constraints specified by an AWS service"). moto parses requests with those models but does not
# enforce the constraints. Here every request to a service routeyard calls is routed and parsed
# the way moto parses it, checked against botocore's own copy of the model, and refused as that
# service refuses it, with the message AWS writes:
#   1 validation error detected: Value '0' at 'priority' failed to satisfy constraint:
#   Member must have value greater than or equal to 1


def _lower_first(name):
    return name[:1].lower() + name[1:]


_CATEGORY_RANGES = {}  # two-letter general category -> [(first, last), ...], filled on first use
_CATEGORY_LOCK = threading.Lock()

# Java's POSIX character classes (java.util.regex.Pattern: US-ASCII only by default).
_POSIX_CLASSES = {
    "ASCII": "\\x00-\\x7f",
    "Print": "\\x20-\\x7e",
    "Graph": "\\x21-\\x7e",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Upper": "A-Z",
    "Lower": "a-z",
    "Space": " \\t\\n\\x0b\\f\\r",
}


def _category_class(category):
    """The members of a Unicode general category (Java's \\p{L}, \\p{N}, \\p{Lu}...) or of a
    POSIX class (\\p{ASCII}, \\p{Print}...) as the inside of a Python character class: Python's
    re has no \\p."""
    if category in _POSIX_CLASSES:
        return _POSIX_CLASSES[category]
    if not re.fullmatch(r"[A-Z][a-z]?", category):
        raise ValueError(f"unsupported character property \\p{{{category}}}")
    with _CATEGORY_LOCK:
        if not _CATEGORY_RANGES:
            current, start = None, 0
            for cp in range(sys.maxunicode + 2):
                cat = unicodedata.category(chr(cp)) if cp <= sys.maxunicode else None
                if cat != current:
                    if current is not None:
                        _CATEGORY_RANGES.setdefault(current, []).append((start, cp - 1))
                    current, start = cat, cp
    ranges = sorted(r for cat, rs in _CATEGORY_RANGES.items() if cat.startswith(category) for r in rs)
    if not ranges:
        raise ValueError(f"unknown character property \\p{{{category}}}")
    return "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


_PATTERNS = {}


def _model_pattern(java_pattern):
    """A model pattern (Java regular expression syntax) compiled for Python, or None when it uses
    syntax this translation does not cover (reported once on stderr, then not enforced). Java's
    \\w, \\d and \\s are ASCII, as re.ASCII makes them; \\p{X} becomes the category's ranges."""
    if java_pattern not in _PATTERNS:
        # A UTF-16 surrogate pair written as two escapes is one code point in Python.
        source = re.sub(
            r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})",
            lambda m: f"\\U{0x10000 + ((int(m[1], 16) - 0xD800) << 10) + int(m[2], 16) - 0xDC00:08x}",
            java_pattern,
            flags=re.IGNORECASE,
        )
        out, i, depth = [], 0, 0
        try:
            while i < len(source):
                c = source[i]
                if c == "\\" and i + 1 < len(source):
                    if source[i + 1] == "p" and source.startswith("{", i + 2):
                        end = source.index("}", i)
                        members = _category_class(source[i + 3 : end])
                        out.append(members if depth else f"[{members}]")
                        i = end + 1
                        continue
                    out.append(source[i : i + 2])
                    i += 2
                    # In Java a '-' after a class escape inside [...] (as in [\\w-/]) is literal.
                    if depth and source[i - 1] in "wdsWDS" and source.startswith("-", i):
                        out.append("\\-")
                        i += 1
                    continue
                if c == "[":
                    depth += 1
                elif c == "]" and depth:
                    depth -= 1
                out.append(c)
                i += 1
            _PATTERNS[java_pattern] = re.compile("".join(out), re.ASCII)
        except (ValueError, re.error) as e:
            print(f"moto_launcher: model pattern {java_pattern!r} not enforced: {e}", file=sys.stderr)
            _PATTERNS[java_pattern] = None
    return _PATTERNS[java_pattern]


def _shown(value):
    """A value as AWS's validation messages show it (Java's toString of the parsed input)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (bytes, bytearray)):
        return f"java.nio.HeapByteBuffer[pos=0 lim={len(value)} cap={len(value)}]"
    return str(value)


class _Violations:
    def __init__(self):
        self.items = []  # (path, message)

    def add(self, path, shape, value, constraint):
        if value is None:
            said = "Value null"
        elif shape is not None and shape.metadata.get("sensitive"):
            said = "Value"  # AWS does not echo a sensitive member (a SecureString value, say)
        else:
            said = f"Value '{_shown(value)}'"
        self.items.append((path, f"{said} at '{path}' failed to satisfy constraint: {constraint}"))

    def message(self):
        n = len(self.items)
        return f"{n} validation error{'s' if n > 1 else ''} detected: " + "; ".join(m for _, m in self.items)


def _check_length(shape, value, size, path, out):
    md = shape.metadata
    if "min" in md and size < md["min"]:
        out.add(path, shape, value, f"Member must have length greater than or equal to {md['min']}")
    if "max" in md and size > md["max"]:
        out.add(path, shape, value, f"Member must have length less than or equal to {md['max']}")


def _check_value(shape, value, path, out):
    """Add to `out` every constraint of `shape` that `value` (as moto's parser gives it) breaks."""
    if value is None:
        return
    kind = shape.type_name
    md = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict) or md.get("document"):
            return
        for name in md.get("required", []):
            if value.get(name) is None:
                out.add(f"{path}.{_lower_first(name)}" if path else _lower_first(name), shape.members[name], None, "Member must not be null")
        if md.get("union"):
            given = [n for n in shape.members if value.get(n) is not None]
            if len(given) != 1:
                out.add(path, shape, value, "Member must have exactly one of its members set")
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _check_value(member, value[name], f"{path}.{_lower_first(name)}" if path else _lower_first(name), out)
    elif kind == "list":
        if not isinstance(value, (list, tuple)):
            return
        _check_length(shape, value, len(value), path, out)
        for i, item in enumerate(value, 1):
            _check_value(shape.member, item, f"{path}.{i}.member", out)
    elif kind == "map":
        if not isinstance(value, dict):
            return
        _check_length(shape, value, len(value), path, out)
        for key, item in value.items():
            _check_value(shape.key, key, f"{path}.{key}.key", out)
            _check_value(shape.value, item, f"{path}.{key}.value", out)
    elif kind == "string":
        if not isinstance(value, str):
            return
        _check_length(shape, value, len(value), path, out)
        if shape.enum and value not in shape.enum:
            out.add(path, shape, value, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        pattern = md.get("pattern")
        if pattern is not None:
            compiled = _model_pattern(pattern)
            if compiled is not None and not compiled.fullmatch(value):
                out.add(path, shape, value, f"Member must satisfy regular expression pattern: {pattern}")
    elif kind == "blob":
        if isinstance(value, (bytes, bytearray, str)) and not shape.serialization.get("streaming") and not md.get("streaming"):
            _check_length(shape, value, len(value), path, out)
    elif kind in ("integer", "long", "short", "byte", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        if "min" in md and value < md["min"]:
            out.add(path, shape, value, f"Member must have value greater than or equal to {md['min']}")
        if "max" in md and value > md["max"]:
            out.add(path, shape, value, f"Member must have value less than or equal to {md['max']}")


def _acm_common_name_at_most_64_octets(params, shape, out):
    """ACM refuses a DomainName (the certificate's common name) over 64 octets, periods included,
    though the model allows 253 (ACM API reference, RequestCertificate, DomainName: "In
    compliance with RFC 5280, the length of the domain name (technically, the Common Name) that
    you provide cannot exceed 64 octets (characters), including periods. To add a longer domain
    name, specify it in the Subject Alternative Name field"). Answered with the model check's
    ValidationException; the API reference does not name the code AWS uses for it."""
    name = params.get("DomainName")
    if isinstance(name, str) and len(name.encode()) > 64:
        out.add("domainName", shape.members["DomainName"], name, "Member must have length less than or equal to 64")


def _elbv2_no_http_header_condition_on_host(params, shape, out):
    """ELBv2 refuses an http-header condition on the Host header, in any case (ELBv2 API
    reference, HttpHeaderConditionConfig, HttpHeaderName: "The header name is case insensitive
    ... You can't use an HTTP header condition to specify the host header. Instead, use a host
    condition."); the model's HttpHeaderConditionName has no pattern to say so. moto matches on
    it. Answered with the model check's ValidationError: the API reference does not give the
    wording of the refusal."""
    member = shape.members["Conditions"].member
    name_shape = member.members["HttpHeaderConfig"].members["HttpHeaderName"]
    for i, condition in enumerate(params.get("Conditions") or [], 1):
        header = (condition or {}).get("HttpHeaderConfig") or {}
        name = header.get("HttpHeaderName")
        if isinstance(name, str) and name.strip().lower() == "host":
            out.add(f"conditions.{i}.member.httpHeaderConfig.httpHeaderName", name_shape, name, "Member must not be the host header: use a host-header condition")


# Limits an API reference states in prose where the model is silent, checked with the model's.
_DOCUMENTED_LIMITS = {
    ("acm", "RequestCertificate"): _acm_common_name_at_most_64_octets,
    ("elbv2", "CreateRule"): _elbv2_no_http_header_condition_on_host,
    ("elbv2", "ModifyRule"): _elbv2_no_http_header_condition_on_host,
}


def _json_refusal(service_model, code, message):
    version = service_model.metadata.get("jsonVersion", "1.0")
    body = json.dumps({"__type": f"com.amazon.coral.validate#{code}", "message": message})
    return Response(body, status=400, headers={"Content-Type": f"application/x-amz-json-{version}", "x-amzn-ErrorType": code})


def _rest_json_refusal(service_model, code, message):
    return Response(json.dumps({"message": message}), status=400, headers={"Content-Type": "application/json", "x-amzn-ErrorType": code})


def _error_response_refusal(service_model, code, message):
    """<ErrorResponse><Error>: the query protocol's error, and Route 53's (REST XML)."""
    ns = service_model.metadata.get("xmlNamespace", "")
    body = (
        f'<ErrorResponse xmlns="{xml_escape(ns)}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{xml_escape(message)}</Message></Error><RequestId>{_request_id()}</RequestId></ErrorResponse>"
    )
    return Response(body, status=400, headers={"Content-Type": "text/xml"})


def _s3_refusal(service_model, code, message):
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{xml_escape(message)}</Message><RequestId>{_request_id()}</RequestId></Error>'
    return Response(body, status=400, headers={"Content-Type": "application/xml"})


def _ec2_refusal(service_model, code, message):
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{xml_escape(message)}</Message>'
        f"</Error></Errors><RequestID>{_request_id()}</RequestID></Response>"
    )
    return Response(body, status=400, headers={"Content-Type": "text/xml"})


def _request_id():
    return hashlib.sha256(f"{time.time_ns()}/{threading.get_ident()}".encode()).hexdigest()[:32]


# How each service routeyard calls refuses a request that breaks its model: the error code, and
# the protocol's error shape (checked against the SDK's deserializers: the SDK names the error
# after this code).
#   JSON protocol (ACM, SSM, DynamoDB, SQS): ValidationException in __type ("Common Errors").
#   API Gateway v2 (REST JSON): BadRequestException, the one 400 its model declares for bad input.
#   ELBv2 (query): ValidationError ("Common Errors" of the Elastic Load Balancing API reference).
#   Route 53 (REST XML): InvalidInput ("Input is not valid", its API reference's error for a
#     request that fails validation).
#   S3 (REST XML): InvalidArgument (Amazon S3 error codes: "Invalid Argument", 400).
#   EC2 (query): MissingParameter for a required one, InvalidParameterValue otherwise (EC2 API
#     reference, "Error codes for the Amazon EC2 API").
_MODEL_CHECKED = {
    "acm": ("ValidationException", _json_refusal),
    "ssm": ("ValidationException", _json_refusal),
    "dynamodb": ("ValidationException", _json_refusal),
    "sqs": ("ValidationException", _json_refusal),
    "apigatewayv2": ("BadRequestException", _rest_json_refusal),
    "elbv2": ("ValidationError", _error_response_refusal),
    "route53": ("InvalidInput", _error_response_refusal),
    "s3": ("InvalidArgument", _s3_refusal),
    "ec2": ("InvalidParameterValue", _ec2_refusal),
}

_BOTOCORE_MODELS = {}
_BOTOCORE_LOADER = botocore_loader()


def _botocore_model(service):
    """botocore's own model for the service, without moto's extras (which only add routing)."""
    if service not in _BOTOCORE_MODELS:
        _BOTOCORE_MODELS[service] = BotocoreServiceModel(_BOTOCORE_LOADER.load_service_model(service, "service-2"), service)
    return _BOTOCORE_MODELS[service]


def _model_service(backend_service, request):
    """The service whose model a request follows. moto serves two APIs from one backend where
    they share a host: ELB and ELBv2 (told apart by the Version parameter), API Gateway v1 and
    v2 (v2 paths start with /v2/)."""
    if backend_service == "elb":
        return "elbv2" if request.values.get("Version") == "2015-12-01" else "elb"
    if backend_service == "apigateway":
        return "apigatewayv2" if request.path.startswith("/v2/") else "apigateway"
    return backend_service


def _parse_request(service, request, body):
    """(operation name, its input as moto parses it) for a request, or None when moto's router
    does not know the request (moto then answers it as it always does)."""
    try:
        operation, uri_params = get_service_router(service).match(request)
    except Exception:
        return None
    model = moto_service_model(service)
    protocol = determine_request_protocol(model, request.content_type)
    parser = PROTOCOL_PARSERS[protocol](model.operation_model(operation.name))
    parsed = parser.parse(
        {"method": request.method, "values": request.values, "headers": request.headers, "body": body, "url_path": request.path, "url_params": uri_params}
    )
    return operation.name, parsed


def _note(line):
    """A line for ROUTEYARD_MOTO_CHECK_LOG (a file), when it is set: each request checked, each
    refusal, each request the check could not route or read; to find what in a whole suite
    broke a model, and what it checked."""
    path = os.environ.get("ROUTEYARD_MOTO_CHECK_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line.replace("\n", " ") + "\n")


def _model_refusal(backend_service, environ):
    """The response AWS gives a request that breaks its operation's model, or None. Leaves the
    request's body readable for moto."""
    request = Request(environ)
    body = request.get_data(cache=True)
    environ["wsgi.input"] = io.BytesIO(body)
    service = _model_service(backend_service, request)
    if service not in _MODEL_CHECKED:
        return None
    try:
        if request.headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        parsed = _parse_request(service, request, body)
    except Exception as e:  # moto's own handling answers what its parser cannot read
        print(f"moto_launcher: {service} request not model-checked: {type(e).__name__}: {e}", file=sys.stderr)
        _note(f"unchecked {service} {request.method} {request.path}: {type(e).__name__}: {e}")
        return None
    if parsed is None:
        _note(f"unrouted {service} {request.method} {request.path}")
        return None
    operation, params = parsed
    model = _botocore_model(service)
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return None
    out = _Violations()
    _check_value(shape, params, "", out)
    documented = _DOCUMENTED_LIMITS.get((service, operation))
    if documented is not None and isinstance(params, dict):
        documented(params, shape, out)
    if not out.items:
        _note(f"checked {service}.{operation}")
        return None
    code, refusal = _MODEL_CHECKED[service]
    if service == "ec2" and any("Member must not be null" in m for _, m in out.items):
        code = "MissingParameter"
    _note(f"refused {service}.{operation} {code}: {out.message()[:2000]}")
    return refusal(moto_service_model(service), code, out.message())


def _dispatch_model_checked(self, environ, start_response):
    """moto's dispatcher (DomainDispatcherApplication.__call__), with the model check in front
    of the services routeyard calls."""
    backend_app = self.get_application(environ)
    service = getattr(backend_app, "service", None)
    if service in _MODEL_CHECKED or service in ("elb", "apigateway"):
        refusal = _model_refusal(service, environ)
        if refusal is not None:
            return refusal(environ, start_response)
    return backend_app(environ, start_response)


DomainDispatcherApplication.__call__ = _dispatch_model_checked


if __name__ == "__main__":
    sys.exit(main())
