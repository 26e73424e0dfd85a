// Stack and export names: one definition, in tools/deploy (which deploys and provisions by them), used here to make
// the stacks refer to each other.

export { appStackName, sharedStackName, sharedExports } from '@bmx/deploy';
