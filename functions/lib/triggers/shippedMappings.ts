/**
 * The shipped webhook mappings (MIRRORFLOW_WEBHOOK_MAPPING=generic|jira|servicenow). Custom ones: a JSON
 * file with the same expressions, named by path. Expressions see `{body, headers}` (evaluated by
 * functions/lib/triggers/webhookMapping.ts). The ticketing ones submit while the ticket is open and withdraw
 * every session of the ticket (`{RegionId, Ticket}`) once it is resolved or closed.
 */
import type { WebhookMapping } from './webhookMapping.js';

/** A Jira issue is resolved or closed: its status is in the Done category (Jira Cloud's issue webhook payload). */
const JIRA_DONE = "body.issue.fields.status.statusCategory.key == 'done'";
const JIRA_REQUEST = 'powertools_json(body.issue.fields.customfield_10500)';
/**
 * A ServiceNow RITM is closed: the task table's closed states, 3 Closed Complete, 4 Closed Incomplete and
 * 7 Closed Skipped (ServiceNow's task `state` choices; request-management "state closure" docs). Uncertain:
 * a site may override the choices, and an outbound message may send the number as text or the label instead
 * of the value — all of these are matched; a site with other closed states changes this list.
 */
const SERVICENOW_CLOSED =
  "contains(['3', '4', '7', 'Closed Complete', 'Closed Incomplete', 'Closed Skipped'], to_string(body.state))";

export const SHIPPED_MAPPINGS: Record<string, WebhookMapping> = {
  generic: {
    description:
      'The body is {"operation": "submit"|"modify"|"withdraw", "request": {…a mirror request; to modify {RegionId, ClientToken | TrafficMirrorSessionId, changes}; to withdraw {RegionId, ClientToken | TrafficMirrorSessionId | Ticket}…}, "correlation": {…}}; the delivery id is the X-Mirrorflow-Delivery header.',
    operation: 'body.operation',
    request: 'body.request',
    correlation: 'body.correlation',
    deliveryId: 'headers."x-mirrorflow-delivery"',
  },
  jira: {
    description:
      'A Jira Cloud webhook for an issue whose "Mirror request" custom field (customfield_10500) holds the request as JSON; the issue key and reporter become the correlation (the key also tags the sessions, mirrorflow-ticket); the delivery id is X-Atlassian-Webhook-Identifier. An issue whose status category is Done (resolved or closed) withdraws every session of the issue: {RegionId from the custom field\'s request, Ticket: the issue key}; any other status submits the request. Change the custom field id to your site\'s.',
    // statusCategory.key is "new", "indeterminate" or "done" whatever the workflow's own status names are.
    operation: `${JIRA_DONE} && 'withdraw' || 'submit'`,
    request: `${JIRA_DONE} && {RegionId: ${JIRA_REQUEST}.RegionId, Ticket: body.issue.key} || ${JIRA_REQUEST}`,
    correlation:
      '{ticket: body.issue.key, summary: body.issue.fields.summary, requester: body.issue.fields.reporter.emailAddress, webhookEvent: body.webhookEvent}',
    deliveryId: 'headers."x-atlassian-webhook-identifier"',
  },
  servicenow: {
    description:
      'A ServiceNow outbound REST message for a catalog item whose variables hold the request fields (region, source ENI, target, filter); the RITM number and requester become the correlation (the number also tags the sessions, mirrorflow-ticket); the delivery id is the record sys_id with its update count. A RITM in a closed state (3 Closed Complete, 4 Closed Incomplete, 7 Closed Skipped, as a value or its label) withdraws every session of the RITM: {RegionId: region_id, Ticket: the RITM number}; any other state submits the request.',
    operation: `${SERVICENOW_CLOSED} && 'withdraw' || 'submit'`,
    request: `${SERVICENOW_CLOSED} && {RegionId: body.variables.region_id, Ticket: body.number} || {RegionId: body.variables.region_id, TrafficMirrorSourceIds: [body.variables.source_eni_id], TrafficMirrorTargetId: body.variables.target_id, TrafficMirrorTargetType: body.variables.target_type, TrafficMirrorFilterId: body.variables.filter_id, TrafficMirrorSessionName: body.variables.session_name}`,
    correlation: '{ticket: body.number, requester: body.requested_for, sysId: body.sys_id}',
    deliveryId: "join(':', [body.sys_id, to_string(body.sys_mod_count)])",
  },
};
