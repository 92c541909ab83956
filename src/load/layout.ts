/**
 * Where a repository path sits in the config layout (docs/architecture.md §2). Pure path arithmetic: no I/O.
 */
export type FileRole =
  | { readonly kind: 'template'; readonly service: string }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'overlay'; readonly group: string; readonly service: string }
  /** `gateway-groups/<group>/consumers/<username>.yaml`: one consumer of the group. */
  | { readonly kind: 'consumer'; readonly group: string; readonly username: string }
  /** `gateway-groups/<group>/consumer-groups/<name>.yaml`: one consumer group of the group. */
  | { readonly kind: 'consumer-group'; readonly group: string; readonly name: string }
  | { readonly kind: 'config' }
  /** A YAML file in a config folder at a place tagway does not read (likely a mistake). */
  | { readonly kind: 'stray'; readonly expected: string }
  /** Not a config file (README, other extensions): ignored silently. */
  | { readonly kind: 'other' };

export function templatePath(service: string): string {
  return `services/${service}/service.yaml`;
}

export function groupPath(group: string): string {
  return `gateway-groups/${group}/group.yaml`;
}

export function overlayPath(group: string, service: string): string {
  return `gateway-groups/${group}/services/${service}.yaml`;
}

export function consumerPath(group: string, username: string): string {
  return `gateway-groups/${group}/consumers/${username}.yaml`;
}

export function consumerGroupPath(group: string, name: string): string {
  return `gateway-groups/${group}/consumer-groups/${name}.yaml`;
}

export function classifyPath(path: string): FileRole {
  let role = roles.get(path);
  if (role === undefined) {
    role = classify(path);
    if (roles.size >= 200_000) roles.clear();
    roles.set(path, role);
  }
  return role;
}

/** Roles by path: a run classifies each path several times (pins, prefetch, compile). */
const roles = new Map<string, FileRole>();

function classify(path: string): FileRole {
  if (path === 'tagway.yaml') return { kind: 'config' };
  // The two shapes nearly every path has, told without splitting it.
  if (path.startsWith('services/') && path.endsWith('/service.yaml')) {
    const service = path.slice('services/'.length, -'/service.yaml'.length);
    if (service !== '' && !service.includes('/')) return { kind: 'template', service };
  } else if (path.startsWith('gateway-groups/') && path.endsWith('.yaml')) {
    const slash = path.indexOf('/', 'gateway-groups/'.length);
    const group = path.slice('gateway-groups/'.length, slash);
    const service = path.slice(slash + '/services/'.length, -'.yaml'.length);
    if (slash > 0 && group !== '' && path.startsWith('/services/', slash) && service !== '' && !service.includes('/')) return { kind: 'overlay', group, service };
  }
  const parts = path.split('/');
  const yaml = /\.ya?ml$/.test(path);
  if (parts[0] === 'services') {
    if (parts.length === 3 && parts[2] === 'service.yaml') return { kind: 'template', service: parts[1]! };
    if (yaml) return { kind: 'stray', expected: 'services/<service>/service.yaml' };
    return { kind: 'other' };
  }
  if (parts[0] === 'gateway-groups') {
    if (parts.length === 3 && parts[2] === 'group.yaml') return { kind: 'group', group: parts[1]! };
    if (parts.length === 4 && parts[2] === 'services' && parts[3]!.endsWith('.yaml')) {
      return { kind: 'overlay', group: parts[1]!, service: parts[3]!.slice(0, -'.yaml'.length) };
    }
    if (parts.length === 4 && parts[3]!.endsWith('.yaml')) {
      const name = parts[3]!.slice(0, -'.yaml'.length);
      if (parts[2] === 'consumers') return { kind: 'consumer', group: parts[1]!, username: name };
      if (parts[2] === 'consumer-groups') return { kind: 'consumer-group', group: parts[1]!, name };
    }
    if (yaml) {
      return {
        kind: 'stray',
        expected:
          'gateway-groups/<group>/group.yaml, gateway-groups/<group>/services/<service>.yaml, ' +
          'gateway-groups/<group>/consumers/<username>.yaml or gateway-groups/<group>/consumer-groups/<name>.yaml',
      };
    }
    return { kind: 'other' };
  }
  return { kind: 'other' };
}
