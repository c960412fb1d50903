/** Error codes the SDK classifies as throttling (see shared notes / @smithy service-error-classification). */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
  'EC2ThrottledException',
]);

export function isThrottle(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return THROTTLING_CODES.has(e.name ?? '') || THROTTLING_CODES.has(e.Code ?? '') || e.$metadata?.httpStatusCode === 429;
}
