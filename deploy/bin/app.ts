// The CDK app (cdk.json's "app"). cdk-nag's AwsSolutions pack runs at synth: a finding without
// a written acknowledgement fails `cdk synth`.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../lib/app.ts';

const app = new App();
buildApp(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
