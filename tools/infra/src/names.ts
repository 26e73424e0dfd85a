// Stack and export names: the one place the app stacks and the shared stack agree on how they refer to each other.

export { appStackName, sharedStackName } from '@bmx/deploy';

/** What the shared stack exports (Fn::ImportValue names in the app stacks). */
export const sharedExports = (env: string) => ({
  imagesBucketName: `bmx-${env}-images-bucket-name`,
  imagesBucketArn: `bmx-${env}-images-bucket-arn`,
  alarmTopicArn: `bmx-${env}-alarm-topic-arn`,
  /** Comma-separated private subnet ids (network `new` or `imported` only). */
  privateSubnetIds: `bmx-${env}-private-subnet-ids`,
  /** Security group the database admits on its port. */
  databaseClientSecurityGroupId: `bmx-${env}-database-client-sg-id`,
  /** Security group allowing HTTPS out. */
  internetEgressSecurityGroupId: `bmx-${env}-internet-egress-sg-id`,
  /** A secret's ARN, by the name functions use in `secrets` (`database`, …). */
  secretArn: (secret: string) => `bmx-${env}-secret-${secret}-arn`,
});
