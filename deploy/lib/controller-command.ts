// The controller's command line in the task definition, from the stack's settings. No mode
// flag: the image's entrypoint is the CLI, and no mode flag runs the controller.
export interface ControllerCommandInput {
  sourceUri: string;
  leaseTableName: string;
  interval: string;
  sourcePoll: string;
  domainPace: string;
  port: number;
  eventsQueueUrl?: string;
  verifyWithin: string;
  verifyBudget: number;
  notifyWebhook?: string;
  notifyRepeat: string;
  reportUrl?: string;
}

export function controllerCommand(c: ControllerCommandInput): string[] {
  return [
    '--source', c.sourceUri,
    '--lease-table', c.leaseTableName,
    '--interval', c.interval,
    '--source-poll', c.sourcePoll,
    '--domain-pace', c.domainPace,
    '--port', String(c.port),
    '--output', 'json',
    '--verify-within', c.verifyWithin,
    '--verify-budget', String(c.verifyBudget),
    ...(c.eventsQueueUrl ? ['--events-queue', c.eventsQueueUrl] : []),
    ...(c.notifyWebhook ? ['--notify-webhook', c.notifyWebhook, '--notify-repeat', c.notifyRepeat] : []),
    ...(c.reportUrl ? ['--report-url', c.reportUrl] : []),
  ];
}
