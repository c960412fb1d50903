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
    ...(c.eventsQueueUrl ? ['--events-queue', c.eventsQueueUrl] : []),
  ];
}
