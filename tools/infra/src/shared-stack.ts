// One per environment: what every app stack shares. The images bucket, the alarm topic, the network and the
// secrets, each exported under a name from names.ts.
import {
  Aws,
  CfnOutput,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { isLocalEnvironment } from '@bmx/deploy';
import type { Construct } from 'constructs';
import type { EnvironmentSettings } from './environments';
import { sharedExports, sharedStackName } from './names';
import { acknowledge } from './nag';

const POSTGRES_PORT = 5432;

export interface SharedStackProps extends StackProps {
  environment: EnvironmentSettings;
}

export class SharedStack extends Stack {
  readonly imagesBucket: s3.Bucket;

  constructor(scope: Construct, props: SharedStackProps) {
    const { environment } = props;
    super(scope, sharedStackName(environment.name), {
      ...props,
      description: `BlueMoxon ${environment.name}: images bucket, alarm topic, network and secrets shared by the app stacks`,
    });
    const exportNames = sharedExports(environment.name);
    const output = (id: string, value: string, exportName: string) =>
      new CfnOutput(this, id, { value, exportName });

    const accessLogs = new s3.Bucket(this, 'ImagesAccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.imagesBucket = new s3.Bucket(this, 'Images', {
      bucketName:
        environment.imagesBucketName ??
        Fn.join('-', [
          `bmx-${environment.name}-images`,
          Aws.ACCOUNT_ID,
          Aws.REGION,
        ]),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'images/',
      // Presigned PUTs come straight from the browser: only the declared origins, only what an upload needs.
      cors: [
        {
          allowedOrigins: environment.corsAllowedOrigins,
          allowedMethods: [
            s3.HttpMethods.PUT,
            s3.HttpMethods.GET,
            s3.HttpMethods.HEAD,
          ],
          allowedHeaders: [
            'content-type',
            'content-length',
            'content-md5',
            'x-amz-*',
          ],
          exposedHeaders: ['ETag'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { noncurrentVersionExpiration: Duration.days(30) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Where `npm run deploy:affected` records the last deployed commit (found by its name's prefix, see tools/deploy
    // state.ts). The local stacks keep their own (bmx-<env>-deploy-state, made on first use).
    if (!isLocalEnvironment(environment.name)) new s3.Bucket(this, 'DeployState', {
      bucketName: Fn.join('-', [`bmx-${environment.name}-deploy-state`, Aws.ACCOUNT_ID, Aws.REGION]),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'deploy-state/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    output(
      'ImagesBucketName',
      this.imagesBucket.bucketName,
      exportNames.imagesBucketName,
    );
    output(
      'ImagesBucketArn',
      this.imagesBucket.bucketArn,
      exportNames.imagesBucketArn,
    );

    const alarms = new sns.Topic(this, 'Alarms', {
      displayName: `BlueMoxon ${environment.name} alarms`,
      enforceSSL: true,
    });
    output('AlarmTopicArn', alarms.topicArn, exportNames.alarmTopicArn);

    const vpc = this.network(environment, exportNames);
    this.secrets(environment, exportNames, vpc);
  }

  /** The VPC and the two security groups functions attach: database client and HTTPS out. */
  private network(
    environment: EnvironmentSettings,
    exportNames: ReturnType<typeof sharedExports>,
  ): ec2.IVpc | undefined {
    const { network } = environment;
    if (network.mode === 'none') return undefined;
    let vpc: ec2.IVpc;
    let privateSubnetIds: string[];
    if (network.mode === 'new') {
      const created = new ec2.Vpc(this, 'Network', {
        maxAzs: network.maxAzs,
        natGateways: network.natGateways,
        subnetConfiguration: [
          { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
          {
            name: 'private',
            subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS,
            cidrMask: 22,
          },
          {
            name: 'database',
            subnetType: ec2.SubnetType.PRIVATE_ISOLATED,
            cidrMask: 24,
          },
        ],
        gatewayEndpoints: {
          S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        },
        flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } },
      });
      vpc = created;
      privateSubnetIds = created.privateSubnets.map(
        (subnet) => subnet.subnetId,
      );
    } else {
      vpc = ec2.Vpc.fromVpcAttributes(this, 'Network', {
        vpcId: network.vpcId,
        availabilityZones: network.availabilityZones,
        privateSubnetIds: network.privateSubnetIds,
      });
      privateSubnetIds = network.privateSubnetIds;
    }
    const databaseClient = new ec2.SecurityGroup(this, 'DatabaseClient', {
      vpc,
      description: 'Functions that reach the database',
      allowAllOutbound: false,
    });
    const internetEgress = new ec2.SecurityGroup(this, 'InternetEgress', {
      vpc,
      description:
        'Functions that call HTTPS APIs (AWS services through the NAT, carriers)',
      allowAllOutbound: false,
    });
    internetEgress.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS out',
    );
    this.databaseSecurityGroup =
      network.mode === 'imported'
        ? ec2.SecurityGroup.fromSecurityGroupId(
            this,
            'Database',
            network.databaseSecurityGroupId,
            { allowAllOutbound: false },
          )
        : undefined;
    this.databaseClient = databaseClient;
    new CfnOutput(this, 'PrivateSubnetIds', {
      value: Fn.join(',', privateSubnetIds),
      exportName: exportNames.privateSubnetIds,
    });
    new CfnOutput(this, 'DatabaseClientSecurityGroupId', {
      value: databaseClient.securityGroupId,
      exportName: exportNames.databaseClientSecurityGroupId,
    });
    new CfnOutput(this, 'InternetEgressSecurityGroupId', {
      value: internetEgress.securityGroupId,
      exportName: exportNames.internetEgressSecurityGroupId,
    });
    if (this.databaseSecurityGroup)
      this.admitDatabaseClients(this.databaseSecurityGroup);
    return vpc;
  }

  private databaseClient?: ec2.SecurityGroup;
  private databaseSecurityGroup?: ec2.ISecurityGroup;

  /** Lets the database client group out to the database on its port, and the database group admit it. */
  private admitDatabaseClients(database: ec2.ISecurityGroup): void {
    if (!this.databaseClient) return;
    this.databaseClient.addEgressRule(
      database,
      ec2.Port.tcp(POSTGRES_PORT),
      'PostgreSQL',
    );
    new ec2.CfnSecurityGroupIngress(this, 'DatabaseAdmitsClients', {
      groupId: database.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: POSTGRES_PORT,
      toPort: POSTGRES_PORT,
      sourceSecurityGroupId: this.databaseClient.securityGroupId,
      description: 'BlueMoxon functions',
    });
  }

  /** The database secret (imported, or the new instance's) and the other named secrets, each exported by name. */
  private secrets(
    environment: EnvironmentSettings,
    exportNames: ReturnType<typeof sharedExports>,
    vpc: ec2.IVpc | undefined,
  ): void {
    let databaseSecretArn: string;
    if ('secretArn' in environment.database) {
      databaseSecretArn = environment.database.secretArn;
    } else {
      const settings = environment.database.create;
      if (!vpc)
        throw new Error(`${environment.name}: database.create needs a network`);
      const group = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
        vpc,
        description: 'BlueMoxon PostgreSQL',
        allowAllOutbound: false,
      });
      const instance = new rds.DatabaseInstance(this, 'Database', {
        engine: rds.DatabaseInstanceEngine.postgres({
          version: rds.PostgresEngineVersion.VER_17,
        }),
        instanceType: new ec2.InstanceType(settings.instanceType),
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [group],
        multiAz: settings.multiAz,
        allocatedStorage: settings.allocatedStorageGiB,
        storageEncrypted: true,
        credentials: rds.Credentials.fromGeneratedSecret('bmx_admin', {
          secretName: `bmx-${environment.name}-database`,
        }),
        databaseName: 'bluemoxon',
        backupRetention: Duration.days(7),
        deletionProtection: true,
        iamAuthentication: true,
        cloudwatchLogsExports: ['postgresql'],
        removalPolicy: RemovalPolicy.SNAPSHOT,
      });
      this.admitDatabaseClients(group);
      const secret = instance.secret as secretsmanager.ISecret;
      acknowledge(instance, 'AwsSolutions-SMG4', 'not rotated automatically yet: the hosted rotation function needs its own VPC access; the functions already re-read the secret when the server refuses a login (libs/db), so rotation can be switched on without a deploy of the apps');
      acknowledge(instance, 'AwsSolutions-RDS11', 'the port is not a control here: only the database-client security group can reach the instance, in isolated subnets');
      if (!settings.multiAz) acknowledge(instance, 'AwsSolutions-RDS3', `${environment.name} runs single-AZ by its committed choice (database.create.multiAz); production sets it`);
      databaseSecretArn = secret.secretArn;
    }
    new CfnOutput(this, 'DatabaseSecretArn', {
      value: databaseSecretArn,
      exportName: exportNames.secretArn('database'),
    });
    for (const [name, value] of Object.entries(environment.secrets)) {
      let arn = value;
      if (value === 'create') {
        const secret = new secretsmanager.Secret(this, `Secret-${name}`, {
          secretName: `bmx-${environment.name}-${name}`,
          description: `BlueMoxon ${environment.name} ${name} (JSON, filled in by hand)`,
          secretObjectValue: {},
        });
        acknowledge(secret, 'AwsSolutions-SMG4', "filled in by hand with third parties' credentials (the carriers issue them): no rotation function can make new ones; they are rotated with the issuer, then put here");
        arn = secret.secretArn;
      }
      new CfnOutput(this, `SecretArn-${name}`, {
        value: arn,
        exportName: exportNames.secretArn(name),
      });
    }
  }
}
