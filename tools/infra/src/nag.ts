// cdk-nag findings this design accepts are acknowledged where the construct is made, through `acknowledge`, each
// with its reason; anything else AwsSolutions reports fails the synth (and so `npm test`).
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Accepts one AwsSolutions finding (`AwsSolutions-XX` or `AwsSolutions-IAM5[Resource::…]`) on a construct, saying why. */
export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}
