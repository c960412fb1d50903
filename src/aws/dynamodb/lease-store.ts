import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LeaseRecord, LeaseStore } from '../../reconcile/lease.ts';

/**
 * The leader lease in a DynamoDB table whose key is one string partition key named `id`.
 * Every change is a conditional UpdateItem, so two copies can never both believe they won:
 * the condition is checked and the write made atomically by DynamoDB.
 *
 * Item: id, holder, expiresAt (epoch ms, the holder's clock), fencingToken (increases on
 * every takeover), lastFencedAt, and `ttl` (epoch seconds, one day after expiry) for the
 * table's TTL, so an abandoned lease item disappears on its own.
 */
export class DynamoDbLeaseStore implements LeaseStore {
  private readonly ddb: DynamoDBClient;
  private readonly table: string;

  constructor(ddb: DynamoDBClient, table: string) {
    this.ddb = ddb;
    this.table = table;
  }

  async acquire(p: { id: string; holder: string; now: number; durationMs: number }): Promise<LeaseRecord | undefined> {
    try {
      const out = await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { id: { S: p.id } },
          UpdateExpression: 'SET holder = :h, expiresAt = :exp, fencingToken = if_not_exists(fencingToken, :zero) + :one, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(id) OR expiresAt < :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':h': { S: p.holder },
            ':exp': { N: String(p.now + p.durationMs) },
            ':zero': { N: '0' },
            ':one': { N: '1' },
            ':now': { N: String(p.now) },
            ':ttl': { N: String(ttlFor(p.now + p.durationMs)) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRecord(out.Attributes);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') return undefined;
      throw err;
    }
  }

  async renew(p: { id: string; holder: string; token: number; now: number; durationMs: number }): Promise<boolean> {
    return this.conditional(
      'SET expiresAt = :exp, #ttl = :ttl',
      'holder = :h AND fencingToken = :t',
      { ':h': { S: p.holder }, ':t': { N: String(p.token) }, ':exp': { N: String(p.now + p.durationMs) }, ':ttl': { N: String(ttlFor(p.now + p.durationMs)) } },
      p.id,
      { '#ttl': 'ttl' },
    );
  }

  /** A conditional write that proves, at DynamoDB, that this holder and token still lead. */
  async fence(p: { id: string; holder: string; token: number; now: number }): Promise<boolean> {
    return this.conditional(
      'SET lastFencedAt = :now',
      'holder = :h AND fencingToken = :t AND expiresAt > :now',
      { ':h': { S: p.holder }, ':t': { N: String(p.token) }, ':now': { N: String(p.now) } },
      p.id,
    );
  }

  /** Expire the lease now (the token stays, so the next holder's is higher). */
  async release(p: { id: string; holder: string; token: number }): Promise<void> {
    await this.conditional('SET expiresAt = :zero', 'holder = :h AND fencingToken = :t', { ':h': { S: p.holder }, ':t': { N: String(p.token) }, ':zero': { N: '0' } }, p.id);
  }

  async read(id: string): Promise<LeaseRecord | undefined> {
    const out = await this.ddb.send(new GetItemCommand({ TableName: this.table, Key: { id: { S: id } }, ConsistentRead: true }));
    return toRecord(out.Item);
  }

  private async conditional(
    update: string,
    condition: string,
    values: Record<string, { S: string } | { N: string }>,
    id: string,
    names?: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { id: { S: id } },
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ...(names ? { ExpressionAttributeNames: names } : {}),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}

function ttlFor(expiresAtMs: number): number {
  return Math.floor(expiresAtMs / 1000) + 86400;
}

function toRecord(item: Record<string, { S?: string; N?: string }> | undefined): LeaseRecord | undefined {
  if (!item?.holder?.S) return undefined;
  return { holder: item.holder.S, expiresAt: Number(item.expiresAt?.N ?? 0), fencingToken: Number(item.fencingToken?.N ?? 0) };
}
