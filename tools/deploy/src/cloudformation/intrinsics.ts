// CloudFormation's intrinsic functions and pseudo parameters, evaluated the way CloudFormation does for the subset
// the synthesized stacks use: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::ImportValue,
// Fn::FindInMap, Fn::GetAZs, Fn::Base64, and the AWS::* pseudo parameters. Conditions (Fn::If and friends) are
// refused: the app stacks have none, and evaluating them half-way would provision something else than AWS would.

/** A template that uses something the local provisioner does not evaluate, or refers to what is not there. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Where the stack is being provisioned. */
export interface StackEnvironment {
  account: string;
  region: string;
  stackName: string;
}

/** What an expression may refer to besides the pseudo parameters. */
export interface ResolveScope {
  env: StackEnvironment;
  /** `Ref` of a logical id (a parameter's value or a resource's physical id). */
  ref(logicalId: string, where: string): unknown;
  /** `Fn::GetAtt` of a resource. */
  getAtt(logicalId: string, attribute: string, where: string): unknown;
  /** `Fn::ImportValue`: an output another stack exported. */
  importValue(name: string, where: string): unknown;
  /** The template's `Mappings`. */
  mappings: Record<string, Record<string, Record<string, unknown>>>;
}

/** The partition of a region: `aws`, `aws-cn` or `aws-us-gov`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The pseudo parameters' values for this stack; `AWS::NoValue` is handled by {@link resolveValue}. */
export function pseudoParameters(env: StackEnvironment): Record<string, unknown> {
  const partition = partitionOf(env.region);
  return {
    'AWS::AccountId': env.account,
    'AWS::Region': env.region,
    'AWS::Partition': partition,
    'AWS::URLSuffix': partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    'AWS::StackName': env.stackName,
    'AWS::StackId': `arn:${partition}:cloudformation:${env.region}:${env.account}:stack/${env.stackName}/local`,
    'AWS::NotificationARNs': [],
  };
}

/** Marks a property that `Ref: AWS::NoValue` removed. */
const NO_VALUE = Symbol('AWS::NoValue');

const CONDITION_FUNCTIONS = new Set(['Fn::If', 'Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not', 'Condition']);

function intrinsicOf(value: unknown): [string, unknown] | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  if (key === 'Ref' || key.startsWith('Fn::') || key === 'Condition') return [key, (value as Record<string, unknown>)[key]];
  return undefined;
}

function asString(value: unknown, where: string, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where}: ${what} must be a string, got ${JSON.stringify(value)}`);
}

function asList(value: unknown, where: string, what: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new TemplateError(`${where}: ${what} must be a list, got ${JSON.stringify(value)}`);
}

function parseGetAtt(argument: unknown, where: string): [string, string] {
  if (typeof argument === 'string') {
    const dot = argument.indexOf('.');
    if (dot > 0) return [argument.slice(0, dot), argument.slice(dot + 1)];
  }
  if (Array.isArray(argument) && argument.length === 2 && typeof argument[0] === 'string' && typeof argument[1] === 'string') {
    return [argument[0], argument[1]];
  }
  throw new TemplateError(`${where}: Fn::GetAtt takes ["LogicalId", "Attribute"] or "LogicalId.Attribute", got ${JSON.stringify(argument)}`);
}

/** `${Name}` and `${Name.Attr}` placeholders of a Fn::Sub string; `${!Literal}` is not one. */
function subPlaceholders(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1] as string).filter((name) => !name.startsWith('!'));
}

function resolveIn(value: unknown, scope: ResolveScope, where: string): unknown {
  const intrinsic = intrinsicOf(value);
  if (!intrinsic) {
    if (Array.isArray(value)) return value.map((item, i) => resolveIn(item, scope, `${where}[${i}]`)).filter((item) => item !== NO_VALUE);
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const resolved = resolveIn(item, scope, `${where}.${key}`);
        if (resolved !== NO_VALUE) out[key] = resolved;
      }
      return out;
    }
    return value;
  }
  const [fn, argument] = intrinsic;
  const pseudo = pseudoParameters(scope.env);
  switch (fn) {
    case 'Ref': {
      const name = asString(argument, where, 'Ref');
      if (name === 'AWS::NoValue') return NO_VALUE;
      if (name in pseudo) return pseudo[name];
      if (name.startsWith('AWS::')) throw new TemplateError(`${where}: unknown pseudo parameter ${name}`);
      return scope.ref(name, where);
    }
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = parseGetAtt(resolveIn(argument, scope, where), where);
      return scope.getAtt(logicalId, attribute, where);
    }
    case 'Fn::Join': {
      const [delimiter, list] = asList(argument, where, 'Fn::Join') as [unknown, unknown];
      const items = asList(resolveIn(list, scope, where), where, 'the list of Fn::Join');
      return items.map((item) => asString(item, where, 'each item of Fn::Join')).join(asString(delimiter, where, 'the delimiter of Fn::Join'));
    }
    case 'Fn::Sub': {
      const [template, variables] = typeof argument === 'string' ? [argument, {}] : (asList(argument, where, 'Fn::Sub') as [unknown, unknown]);
      const text = asString(template, where, 'the string of Fn::Sub');
      const values = resolveIn(variables ?? {}, scope, where) as Record<string, unknown>;
      const replaced = text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
        if (name.startsWith('!')) return `\${${name.slice(1)}}`;
        if (name in values) return asString(values[name], where, `Fn::Sub variable ${name}`);
        if (name in pseudo) return asString(pseudo[name], where, name);
        const dot = name.indexOf('.');
        const resolved = dot > 0 ? scope.getAtt(name.slice(0, dot), name.slice(dot + 1), where) : scope.ref(name, where);
        return asString(resolved, where, `Fn::Sub ${whole}`);
      });
      return replaced;
    }
    case 'Fn::Select': {
      const [index, list] = asList(argument, where, 'Fn::Select') as [unknown, unknown];
      const items = asList(resolveIn(list, scope, where), where, 'the list of Fn::Select');
      const at = Number(resolveIn(index, scope, where));
      if (!Number.isInteger(at) || at < 0 || at >= items.length) throw new TemplateError(`${where}: Fn::Select index ${String(index)} is outside a list of ${items.length}`);
      return items[at];
    }
    case 'Fn::Split': {
      const [delimiter, source] = asList(argument, where, 'Fn::Split') as [unknown, unknown];
      return asString(resolveIn(source, scope, where), where, 'the string of Fn::Split').split(asString(delimiter, where, 'the delimiter of Fn::Split'));
    }
    case 'Fn::ImportValue':
      return scope.importValue(asString(resolveIn(argument, scope, where), where, 'Fn::ImportValue'), where);
    case 'Fn::FindInMap': {
      const [map, top, second] = asList(resolveIn(argument, scope, where), where, 'Fn::FindInMap').map((part) => asString(part, where, 'a key of Fn::FindInMap'));
      const found = scope.mappings[map as string]?.[top as string]?.[second as string];
      if (found === undefined) throw new TemplateError(`${where}: Fn::FindInMap found nothing at ${map}.${top}.${second}`);
      return found;
    }
    case 'Fn::GetAZs': {
      const region = asString(resolveIn(argument, scope, where), where, 'Fn::GetAZs') || scope.env.region;
      return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
    }
    case 'Fn::Base64':
      return Buffer.from(asString(resolveIn(argument, scope, where), where, 'Fn::Base64')).toString('base64');
    default:
      if (CONDITION_FUNCTIONS.has(fn)) throw new TemplateError(`${where}: ${fn} needs Conditions, which the local provisioner does not evaluate (the stacks must not use them)`);
      throw new TemplateError(`${where}: ${fn} is not an intrinsic function the local provisioner evaluates`);
  }
}

/** Evaluates every intrinsic function in `value`; `where` names the place in the template for errors. */
export function resolveValue(value: unknown, scope: ResolveScope, where: string): unknown {
  const resolved = resolveIn(value, scope, where);
  return resolved === NO_VALUE ? undefined : resolved;
}

/** The logical ids `value` refers to (Ref, Fn::GetAtt, Fn::Sub placeholders), pseudo parameters left out. */
export function referencedIds(value: unknown): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    const intrinsic = intrinsicOf(node);
    if (intrinsic) {
      const [fn, argument] = intrinsic;
      if (fn === 'Ref' && typeof argument === 'string' && !argument.startsWith('AWS::')) found.add(argument);
      if (fn === 'Fn::GetAtt') {
        if (typeof argument === 'string') found.add(argument.split('.')[0] as string);
        else if (Array.isArray(argument) && typeof argument[0] === 'string') found.add(argument[0]);
      }
      if (fn === 'Fn::Sub') {
        const [text, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [unknown, Record<string, unknown>]);
        if (typeof text === 'string') {
          for (const name of subPlaceholders(text)) {
            const id = name.split('.')[0] as string;
            if (!id.startsWith('AWS::') && !(variables && id in variables)) found.add(id);
          }
        }
        visit(variables);
        return;
      }
      visit(argument);
      return;
    }
    if (Array.isArray(node)) node.forEach(visit);
    else if (typeof node === 'object' && node !== null) Object.values(node).forEach(visit);
  };
  visit(value);
  return found;
}
