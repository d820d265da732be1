/** The dead-letter function reads FC's failure record whichever way its fields are spelled. */
import { describe, expect, it } from 'vitest';
import { readFailureRecord } from '../../functions/dead-letter/index.js';

describe('readFailureRecord', () => {
  const event = {
    id: 'e-1',
    source: 's',
    type: 'mirrorflow:MirrorRequest:Submitted',
    data: { RegionId: 'r' },
  };
  it('reads the camelCase record, the payload as JSON text, and the cause from its parts', () => {
    expect(
      readFailureRecord({
        requestContext: { condition: 'RetriesExhausted' },
        requestPayload: JSON.stringify(event),
        responseContext: { functionError: 'UnhandledInvocationError' },
        responsePayload: 'Throttling.User: slow down',
      }),
    ).toEqual({
      payload: event,
      cause: 'RetriesExhausted: UnhandledInvocationError: Throttling.User: slow down',
    });
  });
  it('reads the snake_case spelling and a payload given as an object; a record without one is dropped', () => {
    expect(
      readFailureRecord({ request_payload: event, request_context: { condition: 'EventAgeExceeded' } }),
    ).toEqual({
      payload: event,
      cause: 'EventAgeExceeded',
    });
    expect(readFailureRecord({ requestContext: {} })).toBeUndefined();
    expect(readFailureRecord(null)).toBeUndefined();
  });
});
