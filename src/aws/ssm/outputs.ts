import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  GetParameterCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  paginateDescribeParameters,
  paginateGetParametersByPath,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import type { ObservedParameter } from '../../model/observed.ts';
import { OWNER_TAG, type Tags } from '../../model/tags.ts';
import type { OutputMutations } from '../../reconcile/ports.ts';

/** GetParametersByPath pages hold at most 10; DescribeParameters pages 50 (SSM API reference). */
const BY_PATH_PAGE = 10;
const DESCRIBE_PAGE = 50;

/**
 * Every parameter under `<prefix>/services/` with its value (GetParametersByPath,
 * recursive), and which carry this RouteSet's owner tag (DescribeParameters with a path and
 * a tag filter): two listings, not one tag call per parameter.
 */
export async function observeOutputs(ssm: SSMClient, prefix: string, owner: string): Promise<{ parameters: ObservedParameter[] }> {
  const path = `${prefix}/services`;
  const owned = new Set<string>();
  const values: { name: string; value: string; type?: string }[] = [];
  await Promise.all([
    (async () => {
      for await (const page of paginateGetParametersByPath({ client: ssm }, { Path: path, Recursive: true, WithDecryption: false, MaxResults: BY_PATH_PAGE })) {
        for (const p of page.Parameters ?? []) if (p.Name) values.push({ name: p.Name, value: p.Value ?? '', ...(p.Type ? { type: p.Type } : {}) });
      }
    })(),
    (async () => {
      const filters = [
        { Key: 'Path', Option: 'Recursive', Values: [path] },
        { Key: `tag:${OWNER_TAG}`, Values: [owner] },
      ];
      for await (const page of paginateDescribeParameters({ client: ssm }, { ParameterFilters: filters, MaxResults: DESCRIBE_PAGE })) {
        for (const p of page.Parameters ?? []) if (p.Name) owned.add(p.Name);
      }
    })(),
  ]);
  return { parameters: values.map((v) => ({ ...v, owned: owned.has(v.name) })) };
}

/** The outputs' writes. Values are plain Strings: ARNs, ids and host names, nothing secret. */
export class SsmOutputsApplier implements OutputMutations {
  private readonly ssm: SSMClient;

  constructor(ssm: SSMClient) {
    this.ssm = ssm;
  }

  /**
   * A create carries the tags and no Overwrite (AWS refuses both together), so it can never
   * replace a parameter someone else made. The SDK retries a lost answer; the second
   * attempt then meets ParameterAlreadyExists, and the parameter counts as created only if
   * it carries this owner tag and the value sent.
   */
  async putParameter(p: { name: string; value: string; overwrite: boolean; tags: Tags }): Promise<void> {
    if (p.overwrite) {
      await this.ssm.send(new PutParameterCommand({ Name: p.name, Value: p.value, Type: 'String', Overwrite: true }));
      return;
    }
    try {
      await this.ssm.send(new PutParameterCommand({ Name: p.name, Value: p.value, Type: 'String', Overwrite: false, Tags: toTagList(p.tags) }));
    } catch (err) {
      if ((err as Error).name !== 'ParameterAlreadyExists') throw err;
      const [value, tags] = await Promise.all([
        this.ssm.send(new GetParameterCommand({ Name: p.name })).then((o) => o.Parameter?.Value),
        this.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: p.name })).then((o) => o.TagList ?? []),
      ]);
      const ours = tags.some((t) => t.Key === OWNER_TAG && t.Value === p.tags[OWNER_TAG]);
      if (!ours) throw new Error(`SSM parameter ${p.name} appeared meanwhile and routeyard does not own it: left as it is`, { cause: err });
      if (value !== p.value) await this.ssm.send(new PutParameterCommand({ Name: p.name, Value: p.value, Type: 'String', Overwrite: true }));
      // A missing service tag is completed. The task role allows AddTagsToResource only with
      // the owner tag in the request (deploy/lib/task-role-policy.ts), so every tag is sent.
      const missing = Object.entries(p.tags).some(([k, v]) => !tags.some((t) => t.Key === k && t.Value === v));
      if (missing) await this.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: p.name, Tags: toTagList(p.tags) }));
    }
  }

  async deleteParameter(name: string): Promise<void> {
    await this.ssm.send(new DeleteParameterCommand({ Name: name }));
  }
}

function toTagList(tags: Tags) {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
