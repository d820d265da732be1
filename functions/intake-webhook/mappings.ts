/**
 * The shipped webhook mappings (MIRRORFLOW_WEBHOOK_MAPPING=generic|jira|servicenow). Custom ones: a JSON
 * file with the same three expressions, named by path. Expressions see `{body, headers}`.
 */
import type { WebhookMapping } from '../lib/triggers/webhookMapping.js';

export const SHIPPED_MAPPINGS: Record<string, WebhookMapping> = {
  generic: {
    description:
      'The body is {"operation": "submit"|"modify"|"withdraw", "request": {…a mirror request; to modify {RegionId, ClientToken | TrafficMirrorSessionId, changes}; to withdraw {RegionId, ClientToken | TrafficMirrorSessionId}…}, "correlation": {…}}; the delivery id is the X-Mirrorflow-Delivery header.',
    operation: 'body.operation',
    request: 'body.request',
    correlation: 'body.correlation',
    deliveryId: 'headers."x-mirrorflow-delivery"',
  },
  jira: {
    description:
      'A Jira Cloud webhook for an issue whose "Mirror request" custom field (customfield_10500) holds the request as JSON; the issue key and reporter become the correlation; the delivery id is X-Atlassian-Webhook-Identifier. Change the custom field id to your site\'s.',
    request: 'powertools_json(body.issue.fields.customfield_10500)',
    correlation:
      '{ticket: body.issue.key, summary: body.issue.fields.summary, requester: body.issue.fields.reporter.emailAddress, webhookEvent: body.webhookEvent}',
    deliveryId: 'headers."x-atlassian-webhook-identifier"',
  },
  servicenow: {
    description:
      'A ServiceNow outbound REST message for a catalog item whose variables hold the request fields (region, source ENI, target, filter); the RITM number and requester become the correlation; the delivery id is the record sys_id with its update count.',
    request:
      '{RegionId: body.variables.region_id, TrafficMirrorSourceIds: [body.variables.source_eni_id], TrafficMirrorTargetId: body.variables.target_id, TrafficMirrorTargetType: body.variables.target_type, TrafficMirrorFilterId: body.variables.filter_id, TrafficMirrorSessionName: body.variables.session_name}',
    correlation: '{ticket: body.number, requester: body.requested_for, sysId: body.sys_id}',
    deliveryId: "join(':', [body.sys_id, to_string(body.sys_mod_count)])",
  },
};
