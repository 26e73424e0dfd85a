import { referencedIds, resolveValue, TemplateError, type ResolveScope } from '../../src/cloudformation/intrinsics';

const scope: ResolveScope = {
  env: { account: '123456789012', region: 'eu-west-2', stackName: 'bmx-test-app' },
  mappings: { Sizes: { small: { mb: 128 } } },
  ref: (id) => ({ Queue: 'https://sqs/queue', Param: 'from-default' })[id] ?? `ref:${id}`,
  getAtt: (id, attribute) => `${id}.${attribute}`,
  importValue: (name) => `imported:${name}`,
};

const resolve = (value: unknown) => resolveValue(value, scope, 'template: Resources.Thing');

describe('intrinsic functions', () => {
  it('resolves pseudo parameters, Ref and Fn::GetAtt in both spellings', () => {
    expect(resolve({ Ref: 'AWS::AccountId' })).toBe('123456789012');
    expect(resolve({ Ref: 'AWS::Partition' })).toBe('aws');
    expect(resolve({ Ref: 'AWS::URLSuffix' })).toBe('amazonaws.com');
    expect(resolve({ Ref: 'AWS::StackName' })).toBe('bmx-test-app');
    expect(resolve({ Ref: 'Queue' })).toBe('https://sqs/queue');
    expect(resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('Role.Arn');
    expect(resolve({ 'Fn::GetAtt': 'Role.Arn' })).toBe('Role.Arn');
  });

  it('evaluates Join, Sub (with and without variables, ${!literal}), Select, Split, ImportValue, FindInMap', () => {
    expect(resolve({ 'Fn::Join': [':', ['arn', { Ref: 'AWS::Partition' }, 'sqs', { Ref: 'AWS::Region' }]] })).toBe('arn:aws:sqs:eu-west-2');
    expect(resolve({ 'Fn::Sub': 'cdk-assets-${AWS::AccountId}-${AWS::Region}/${Role.Arn}/${Queue}/${!Literal}' })).toBe(
      'cdk-assets-123456789012-eu-west-2/Role.Arn/https://sqs/queue/${Literal}',
    );
    expect(resolve({ 'Fn::Sub': ['${Name}-${AWS::Region}', { Name: { Ref: 'Param' } }] })).toBe('from-default-eu-west-2');
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
    expect(resolve({ 'Fn::ImportValue': { 'Fn::Sub': '${AWS::StackName}-Bucket' } })).toBe('imported:bmx-test-app-Bucket');
    expect(resolve({ 'Fn::FindInMap': ['Sizes', 'small', 'mb'] })).toBe(128);
  });

  it('drops a property that is Ref AWS::NoValue, in objects and lists', () => {
    expect(resolve({ Keep: 1, Drop: { Ref: 'AWS::NoValue' }, List: ['a', { Ref: 'AWS::NoValue' }] })).toEqual({ Keep: 1, List: ['a'] });
  });

  it('refuses conditions and unknown functions, naming where they are', () => {
    expect(() => resolve({ Value: { 'Fn::If': ['IsProd', 1, 2] } })).toThrow(new TemplateError('template: Resources.Thing.Value: Fn::If needs Conditions, which the local provisioner does not evaluate (the stacks must not use them)'));
    expect(() => resolve({ 'Fn::Transform': {} })).toThrow(/Fn::Transform is not an intrinsic function/);
    expect(() => resolve({ Ref: 'AWS::Nope' })).toThrow(/unknown pseudo parameter AWS::Nope/);
    expect(() => resolve({ 'Fn::Select': [5, ['a']] })).toThrow(/outside a list of 1/);
  });

  it('lists the logical ids an expression refers to, pseudo parameters and Sub variables aside', () => {
    const ids = referencedIds({
      A: { Ref: 'Fn' },
      B: { 'Fn::GetAtt': ['Role', 'Arn'] },
      C: { 'Fn::Sub': ['${Queue.Arn}-${AWS::Region}-${Local}', { Local: { Ref: 'Param' } }] },
      D: [{ 'Fn::GetAtt': 'Bucket.Arn' }, { Ref: 'AWS::AccountId' }],
    });
    expect([...ids].sort()).toEqual(['Bucket', 'Fn', 'Param', 'Queue', 'Role']);
  });
});
