/**
 * Webhook bodies as the ticketing systems send them, trimmed to the fields that matter plus enough of the rest
 * to be realistic: a Jira Cloud issue webhook (`jira:issue_created` / `jira:issue_updated`, the status with
 * its category) and a ServiceNow outbound REST message of a RITM (sc_req_item) with its catalog variables.
 */

/** Jira's status categories: the key is the same in every workflow, whatever the statuses are called. */
const JIRA_STATUS = {
  new: { name: 'To Do', id: '10000', category: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' } },
  indeterminate: {
    name: 'In Progress',
    id: '3',
    category: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  },
  done: { name: 'Done', id: '10001', category: { id: 3, key: 'done', colorName: 'green', name: 'Done' } },
} as const;

export function jiraIssueEvent(options: {
  key: string;
  status: keyof typeof JIRA_STATUS;
  /** The "Mirror request" custom field: the request as JSON text. */
  request: Record<string, unknown> | null;
  summary?: string;
  /** When Jira sent the event (ms): each event its own, the same on Jira's retries of it. */
  timestamp?: number;
}): Record<string, unknown> {
  const status = JIRA_STATUS[options.status];
  const created = options.status === 'new';
  return {
    timestamp: options.timestamp ?? 1_795_000_000_000,
    webhookEvent: created ? 'jira:issue_created' : 'jira:issue_updated',
    issue_event_type_name: created ? 'issue_created' : 'issue_generic',
    user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Bob', active: true },
    issue: {
      id: '10042',
      self: `https://example.atlassian.net/rest/api/2/issue/10042`,
      key: options.key,
      fields: {
        summary: options.summary ?? 'Mirror web traffic to the IDS',
        issuetype: { id: '10001', name: 'Task' },
        project: { id: '10000', key: options.key.split('-')[0], name: 'Security' },
        reporter: { accountId: '5b10a2844c20165700ede21g', emailAddress: 'bob@example.com' },
        resolution: options.status === 'done' ? { id: '10000', name: 'Done' } : null,
        status: {
          self: `https://example.atlassian.net/rest/api/2/status/${status.id}`,
          name: status.name,
          id: status.id,
          statusCategory: {
            self: `https://example.atlassian.net/rest/api/2/statuscategory/${status.category.id}`,
            ...status.category,
          },
        },
        customfield_10500: options.request ? JSON.stringify(options.request) : null,
      },
    },
    ...(created
      ? {}
      : {
          changelog: {
            id: '10100',
            items: [{ field: 'status', fieldtype: 'jira', fromString: 'In Progress', toString: status.name }],
          },
        }),
  };
}

/** A RITM's record as an outbound REST message sends it; `state` as ServiceNow stores it (a number as text). */
export function serviceNowRitm(options: {
  number: string;
  state: string | number;
  modCount: number;
}): Record<string, unknown> {
  return {
    number: options.number,
    sys_id: '9d385017c611228701d22104cc95c371',
    sys_mod_count: options.modCount,
    state: options.state,
    stage: 'fulfillment',
    short_description: 'Traffic mirror for the db tier',
    requested_for: 'carol',
    cat_item: 'Traffic mirror session',
    variables: {
      region_id: 'cn-hangzhou',
      source_eni_id: 'eni-a',
      target_id: 'eni-b',
      target_type: 'NetworkInterface',
      filter_id: 'tmf-c',
    },
  };
}
