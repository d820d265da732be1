/**
 * What each action is authorised against: the resource ARNs a request touches, by the action's documented
 * resource-level support (the "Resource type" column of its RAM table). An action documented as "All
 * Resources" is checked against `*`, so only a statement whose Resource is `*` allows it — as RAM does
 * ("For APIs without resource-level permissions … use an asterisk (*) in the Resource element").
 * An action that is not in this table is refused for every role: the local cloud does not guess.
 */

export interface AuthorizationRequest {
  /** `vpc:CreateTrafficMirrorSession`, `fc:InvokeFunction`, … */
  action: string;
  resources: string[];
}

export interface ResourceContext {
  region: string;
  accountId: string;
  /** The operation's parameters (RPC) or path values (FC, EventBridge). */
  params: Readonly<Record<string, string | undefined>>;
}

interface ActionRule {
  resources: (c: ResourceContext) => string[];
  /** Where the rule comes from. */
  source: string;
}

const ALL = () => ['*'];
const vpc = (c: ResourceContext, type: string, id = '*') =>
  `acs:vpc:${c.params.RegionId ?? c.region}:${c.accountId}:${type}/${id}`;

export const ACTION_RESOURCES: Readonly<Record<string, ActionRule>> = {
  'vpc:CreateTrafficMirrorSession': {
    // Both the new session and the filter it uses.
    resources: (c) => [
      vpc(c, 'trafficmirrorsession'),
      vpc(c, 'trafficmirrorfilter', c.params.TrafficMirrorFilterId ?? '*'),
    ],
    source: 'https://api.aliyun.com/document/Vpc/2016-04-28/CreateTrafficMirrorSession (RAM table)',
  },
  'vpc:ListTrafficMirrorSessions': {
    resources: (c) => [vpc(c, 'trafficmirrorsession')],
    source: 'https://www.alibabacloud.com/help/en/vpc/api-listtrafficmirrorsessions (RAM table)',
  },
  'vpc:DeleteTrafficMirrorSession': {
    resources: (c) => [vpc(c, 'trafficmirrorsession', c.params.TrafficMirrorSessionId ?? '*')],
    source: 'https://api.aliyun.com/document/Vpc/2016-04-28/DeleteTrafficMirrorSession (RAM table)',
  },
  'vpc:UpdateTrafficMirrorSessionAttribute': {
    // The session, and the filter when the update names one.
    resources: (c) => [
      vpc(c, 'trafficmirrorsession', c.params.TrafficMirrorSessionId ?? '*'),
      ...(c.params.TrafficMirrorFilterId
        ? [vpc(c, 'trafficmirrorfilter', c.params.TrafficMirrorFilterId)]
        : []),
    ],
    source: 'https://api.aliyun.com/document/Vpc/2016-04-28/UpdateTrafficMirrorSessionAttribute (RAM table)',
  },
  'vpc:AddSourcesToTrafficMirrorSession': {
    resources: (c) => [vpc(c, 'trafficmirrorsession', c.params.TrafficMirrorSessionId ?? '*')],
    source: 'https://api.aliyun.com/document/Vpc/2016-04-28/AddSourcesToTrafficMirrorSession (RAM table)',
  },
  'vpc:RemoveSourcesFromTrafficMirrorSession': {
    resources: (c) => [vpc(c, 'trafficmirrorsession', c.params.TrafficMirrorSessionId ?? '*')],
    source:
      'https://api.aliyun.com/document/Vpc/2016-04-28/RemoveSourcesFromTrafficMirrorSession (RAM table)',
  },
  'vpc:TagResources': {
    resources: (c) => [vpc(c, 'trafficmirrorsession')],
    source:
      'https://api.aliyun.com/document/Vpc/2016-04-28/TagResources (ResourceType trafficmirrorsession); audit R5',
  },
  // Service-level switches: no resource type is documented, so only `*` allows them (the conservative reading).
  'vpc:OpenTrafficMirrorService': {
    resources: ALL,
    source: 'https://api.aliyun.com/document/Vpc/2016-04-28/OpenTrafficMirrorService (no resource type)',
  },
  'vpc:GetTrafficMirrorServiceStatus': {
    resources: ALL,
    source: 'https://api.aliyun.com/document/Vpc/2016-04-28/GetTrafficMirrorServiceStatus (no resource type)',
  },
  'fnf:StartExecution': {
    resources: ALL,
    source: 'https://www.alibabacloud.com/help/en/doc-detail/122628.html ("*All Resource"); audit R6',
  },
  'fnf:DescribeExecution': {
    resources: ALL,
    source:
      'https://www.alibabacloud.com/help/en/doc-detail/122623.html (DescribeExecution RAM table: "*All Resource"); https://help.aliyun.com/document_detail/2590631.html',
  },
  'fnf:ListExecutions': {
    resources: ALL,
    source: 'https://help.aliyun.com/document_detail/2590631.html (CloudFlow RAM table: all resources)',
  },
  'fnf:GetExecutionHistory': {
    resources: ALL,
    source: 'https://help.aliyun.com/document_detail/2590631.html (CloudFlow RAM table: all resources)',
  },
  'fc:InvokeFunction': {
    resources: (c) => [`acs:fc:${c.region}:${c.accountId}:functions/${c.params.functionName ?? '*'}`],
    source:
      'https://help.aliyun.com/zh/functioncompute/fc/developer-reference/api-fc-2023-03-30-invokefunction (acs:fc:{#regionId}:{#accountId}:functions/{#FunctionName})',
  },
  'eventbridge:PutEvents': {
    resources: (c) => [`acs:eventbridge:${c.region}:${c.accountId}:eventbus/${c.params.EventBusName ?? '*'}`],
    source: 'https://alibabacloud.com/help/ja/eventbridge/policies (eventbus/$eventbus); audit R8',
  },
  'eventbridge:CreateEventBus': {
    resources: (c) => [`acs:eventbridge:${c.region}:${c.accountId}:eventbus/${c.params.EventBusName ?? '*'}`],
    source: 'https://alibabacloud.com/help/ja/eventbridge/policies (eventbus/$eventbus)',
  },
  'eventbridge:CreateRule': {
    resources: (c) => [`acs:eventbridge:${c.region}:${c.accountId}:eventbus/${c.params.EventBusName ?? '*'}`],
    source: 'https://alibabacloud.com/help/ja/eventbridge/policies (eventbus/$eventbus)',
  },
};

export function authorizationRequest(action: string, context: ResourceContext): AuthorizationRequest {
  const rule = ACTION_RESOURCES[action];
  return { action, resources: rule ? rule.resources(context) : [] };
}

export function isKnownAction(action: string): boolean {
  return Object.hasOwn(ACTION_RESOURCES, action);
}
