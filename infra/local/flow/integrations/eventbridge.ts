/**
 * EventBridge:PutEvents to a bus over HTTP, as one structured-mode CloudEvent (the CloudEvents HTTP binding).
 */
import { FlowError } from '../errors.js';

export function createEventPutter(busUrl: string) {
  return async (params: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const event = {
      specversion: '1.0',
      id: String(params.id),
      source: String(params.source),
      type: String(params.type),
      ...(params.subject !== undefined ? { subject: String(params.subject) } : {}),
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      aliyuneventbusname: String(params.eventBusName ?? 'default'),
      data: params.data,
    };
    let response: Response;
    try {
      response = await fetch(`${busUrl}/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
        body: JSON.stringify(event),
      });
    } catch (error) {
      throw new FlowError('EventBridge.ServiceUnavailable', (error as Error).message);
    }
    if (!response.ok) {
      const text = await response.text();
      throw new FlowError(
        `EventBridge.${response.status === 400 ? 'InvalidArgument' : 'ServiceUnavailable'}`,
        text.slice(0, 500),
      );
    }
    return {};
  };
}
