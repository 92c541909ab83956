import { authNeedsConsumers } from './auth-needs-consumers.js';
import { canaryTrafficSplit } from './canary-traffic-split.js';
import { certificateExpiry } from './certificate-expiry.js';
import { certificateNamesRule } from './certificate-names.js';
import { chashKey } from './chash-key.js';
import { ipv6Brackets } from './ipv6-brackets.js';
import { consumerFiles } from './consumer-files.js';
import { consumerRestrictionNames } from './consumer-restriction-names.js';
import { globalRulePlugins } from './global-rule-plugins.js';
import { knownPluginConfig } from './known-plugin-config.js';
import { groupIncludes } from './group-includes.js';
import { literalSecrets } from './literal-secrets.js';
import { nameMatchesFolder } from './name-matches-folder.js';
import { nodesXorDiscovery } from './nodes-xor-discovery.js';
import { overlayForUnknownService } from './overlay-for-unknown-service.js';
import { overlayForUnpublished } from './overlay-for-unpublished.js';
import { overlayRuntimeOnly } from './overlay-runtime-only.js';
import { passHostRewrite } from './pass-host-rewrite.js';
import { pluginMetadataFiles } from './plugin-metadata-files.js';
import { pinMatchesTag } from './pin-matches-tag.js';
import { pluginsRunTwice } from './plugins-run-twice.js';
import { routeConflicts } from './route-conflicts.js';
import { secretManagerReferences } from './secret-manager-references.js';
import { secretReferencesInGroupFiles } from './secret-references-in-group-files.js';
import { secretReferencesInTemplates } from './secret-references-in-templates.js';
import { sslKeyPair } from './ssl-key-pair.js';
import { stripPathPrefix } from './strip-path-prefix.js';
import { tagIntegrity } from './tag-integrity.js';
import { tlsHostCoverage } from './tls-host-coverage.js';
import { uniqueConsumerCredentials } from './unique-consumer-credentials.js';
import { uniqueRouteNames } from './unique-route-names.js';
import { uniqueSnis } from './unique-snis.js';
import { uniqueTargetNames } from './unique-target-names.js';
import { unknownPlugin } from './unknown-plugin.js';
import { unusedPluginConfig } from './unused-plugin-config.js';
import { upstreamRequired } from './upstream-required.js';
import type { Rule } from './rule.js';

export type { Rule, RuleContext, RuleScope, ResolvedGroup } from './rule.js';

/** The semantic rules, run after the schemas pass, in this order. */
export const RULES: readonly Rule[] = [
  nameMatchesFolder, // TW3001 a template's / group's name equals its folder
  uniqueRouteNames, // TW3002 route names unique per service (they make the route ids); TW3032 stream route names
  overlayRuntimeOnly, // TW3003 overlays set runtime fields only; the rest needs a new version
  pinMatchesTag, // TW3004 every pin names an existing tag (TW3018 one not in an incomplete clone, TW1016 one whose objects are missing)
  nodesXorDiscovery, // TW3005 an upstream has nodes or discovery, not both
  chashKey, // TW3006 chash needs a key that fits hash_on
  ipv6Brackets, // TW3007 IPv6 node hosts in brackets
  passHostRewrite, // TW3008 pass_host: rewrite needs upstream_host
  routeConflicts, // TW3009 no two routes of a group match the same host + method + path
  unknownPlugin, // TW3010 plugin names the gateway knows
  overlayForUnpublished, // TW3011 an overlay for a service the group does not publish (warning)
  upstreamRequired, // TW3012 every published service (and canary) has nodes or discovery
  stripPathPrefix, // TW3013 strip_path_prefix needs a prefix and no other uri rewrite
  canaryTrafficSplit, // TW3014 a canary owns the service's traffic-split plugin
  tagIntegrity, // TW3016 a version tag a group runs was not moved or re-created since it was recorded (TW3018 not in an incomplete clone)
  uniqueTargetNames, // TW3017 target names unique per group (sync --target and reports name targets by it)
  overlayForUnknownService, // TW3019 an overlay names a service that exists (a template or a tag)
  consumerFiles, // TW3020 a consumer's username is its file name; TW3021 its group exists in its gateway group
  literalSecrets, // TW3022 a consumer's secret fields hold references, never literals
  uniqueConsumerCredentials, // TW3023 no two consumers of a group hold the same credential of an auth plugin
  authNeedsConsumers, // TW3024 an auth plugin of a published service has a consumer holding it in the group (warning)
  consumerRestrictionNames, // TW3025 consumer-restriction names consumers / consumer groups the group defines
  knownPluginConfig, // TW3030 a route's plugin_config names a plugin config of its template
  unusedPluginConfig, // TW3031 every plugin config of a template is used by a route (warning)
  uniqueSnis, // TW3035 no two SSL certificates of a group serve the same SNI
  certificateExpiry, // TW3036 a certificate has not expired (TW3037 expires soon, warning), judged at the compile's `now`
  certificateNamesRule, // TW3038 a certificate is valid for its SSL's SNIs (warning)
  sslKeyPair, // TW3039 a private key written in an SSL file is its certificate's
  tlsHostCoverage, // TW3040 in a group with server SSLs, every service host has a certificate (warning)
  pluginsRunTwice, // TW3045 a plugin of a global rule is not also on a service the group publishes (warning)
  globalRulePlugins, // TW3046 a plugin is in one global rule of a group only
  pluginMetadataFiles, // TW3047 plugin metadata names a plugin with a metadata schema; TW3048 one that takes the labels; TW3049 no id
  secretReferencesInTemplates, // TW3050 a published service's $secret:// names a secret manager of the group (warning); TW3051 one APISIX cannot read
  secretReferencesInGroupFiles, // TW3050, TW3051 the same in the group's consumers and consumer groups
  secretManagerReferences, // TW3052 a secret manager's $env:// / $secret:// is one APISIX reads in that field
  groupIncludes, // TW3055 an include names a shared file; TW3056 not one the group has its own of; TW3057 a shared file some group includes
];
