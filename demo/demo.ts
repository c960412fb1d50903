/**
 * `make demo`: start the AWS emulator, create what the bootstrap stacks would (VPC,
 * subnets, VPC link, internal ALB, HTTP listener with a fixed 404, SSM parameters), then
 * run `routeyard --reconcile-once` on desired-state.example.json twice: the first pass
 * converges the five services, the second shows a clean no-op.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapSharedPlatform } from '../test/support/bootstrap.ts';
import { motoEnv, startMoto } from '../test/support/moto.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const moto = await startMoto();
let failed = false;
try {
  Object.assign(process.env, motoEnv(moto.endpoint));
  console.log(`AWS emulator (moto) listening on ${moto.endpoint}`);
  const platform = await bootstrapSharedPlatform();
  console.log(`Bootstrapped shared platform: VPC ${platform.vpcId}, VPC link ${platform.vpcLinkId}`);
  console.log(`  listener ${platform.listenerArn} (default action: fixed 404)`);
  console.log(`  SSM: ${Object.values(platform.parameters).join(', ')}\n`);

  for (const [i, title] of ['First pass: converge from empty', 'Second pass: nothing to do'].entries()) {
    console.log(`=== ${title}: routeyard --reconcile-once --source file:desired-state.example.json`);
    const run = spawnSync(process.execPath, [join(root, 'bin', 'routeyard.js'), '--reconcile-once', '--source', 'file:desired-state.example.json'], {
      cwd: root,
      env: { ...process.env, ROUTEYARD_LOG_LEVEL: process.env.ROUTEYARD_LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    console.log(`(exit code ${run.status})\n`);
    if (run.status !== 0) failed = true;
    if (i === 1 && run.status === 0) console.log('The second pass made no mutating AWS calls: the platform is exactly as declared.');
  }
} finally {
  await moto.stop();
}
process.exitCode = failed ? 1 : 0;
