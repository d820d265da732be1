/**
 * EventBridge:PutEvents from a flow: one CloudEvent on the bus `eventBusName` names, put through the
 * EventBridge data plane with the flow's execution role (so RAM judges `eventbridge:PutEvents` on that bus).
 */
import type { LocalCredentials } from '../../credentials.js';
import { putEvents } from '../../eventbridge/signature.js';
import { FlowError } from '../errors.js';

export function createEventPutter(busUrl: string, credentials: LocalCredentials, region: string) {
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
    let result: Awaited<ReturnType<typeof putEvents>>;
    try {
      result = await putEvents(busUrl, credentials, region, [event]);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      throw new FlowError(`EventBridge.${e.code ?? 'ServiceUnavailable'}`, String(e.message).slice(0, 500));
    }
    const failed = result.EntryList.find((entry) => entry.ErrorCode);
    if (failed)
      throw new FlowError(`EventBridge.${failed.ErrorCode}`, failed.ErrorMessage ?? 'the event was refused');
    return {};
  };
}
