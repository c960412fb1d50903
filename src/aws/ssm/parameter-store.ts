import { GetParameterCommand, GetParametersCommand, paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import { RouteyardError, faultOfAwsError } from '../../errors.ts';
import type { ParameterStore, StoredParameter } from '../../desired/sources/types.ts';

/** GetParameters takes at most 10 names per call. */
const GET_PARAMETERS_BATCH = 10;

/** SSM Parameter Store behind the narrow interface desired/ uses. */
export class SsmParameterStore implements ParameterStore {
  private readonly ssm: SSMClient;

  constructor(ssm: SSMClient) {
    this.ssm = ssm;
  }

  async getParameter(name: string): Promise<StoredParameter> {
    try {
      const out = await this.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return toStored(out.Parameter);
    } catch (err) {
      if ((err as Error).name === 'ParameterNotFound') {
        throw new RouteyardError('SourceUnreadable', `SSM parameter ${name} does not exist`, { fault: 'user', cause: err });
      }
      throw new RouteyardError('SourceUnreadable', `cannot read SSM parameter ${name}: ${(err as Error).message}`, { fault: faultOfAwsError(err), cause: err });
    }
  }

  async getParametersByPath(prefix: string): Promise<StoredParameter[]> {
    const out: StoredParameter[] = [];
    try {
      // moto and AWS both cap MaxResults at 10 for this call.
      for await (const page of paginateGetParametersByPath({ client: this.ssm }, { Path: prefix, Recursive: true, WithDecryption: true, MaxResults: 10 })) {
        for (const p of page.Parameters ?? []) out.push(toStored(p));
      }
    } catch (err) {
      throw new RouteyardError('SourceUnreadable', `cannot list SSM parameters under ${prefix}: ${(err as Error).message}`, { fault: faultOfAwsError(err), cause: err });
    }
    return out;
  }

  async getParameters(names: string[]): Promise<{ found: StoredParameter[]; missing: string[] }> {
    const found: StoredParameter[] = [];
    const missing: string[] = [];
    for (let i = 0; i < names.length; i += GET_PARAMETERS_BATCH) {
      const batch = names.slice(i, i + GET_PARAMETERS_BATCH);
      try {
        const out = await this.ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: true }));
        for (const p of out.Parameters ?? []) found.push(toStored(p));
        missing.push(...(out.InvalidParameters ?? []));
      } catch (err) {
        throw new RouteyardError('SourceUnreadable', `cannot read SSM parameters ${batch.join(', ')}: ${(err as Error).message}`, { fault: faultOfAwsError(err), cause: err });
      }
    }
    return { found, missing };
  }
}

function toStored(p: { Name?: string; Value?: string; Version?: number; Type?: string } | undefined): StoredParameter {
  return { name: p?.Name ?? '', value: p?.Value ?? '', version: p?.Version ?? 0, ...(p?.Type === 'SecureString' ? { secure: true } : {}) };
}
