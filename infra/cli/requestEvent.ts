/** A mirror request from the CLI: one PutEvents signed as the EventBridge SDK signs it, on the deployment's bus. */
import { randomUUID } from 'node:crypto';
import { clientToken, eventKey } from '../../functions/lib/contract/clientToken.js';
import { putEvents } from '../local/eventbridge/signature.js';
import type { Endpoints } from './endpoints.js';

const CLI_SOURCE = 'mirrorflow.cli';

/** Puts the request on the bus; returns its event id and the ClientToken intake-event derives from it. */
export async function putCliRequest(
  endpoints: Endpoints,
  type: 'Submitted' | 'Withdrawn',
  data: unknown,
): Promise<{ id: string; token: string }> {
  const id = randomUUID();
  const result = await putEvents(
    endpoints.eventbridge,
    { accessKeyId: endpoints.accessKeyId, accessKeySecret: endpoints.accessKeySecret },
    endpoints.regionId,
    [
      {
        specversion: '1.0',
        aliyuneventbusname: endpoints.eventBus ?? 'mirrorflow',
        id,
        source: CLI_SOURCE,
        type: `mirrorflow:MirrorRequest:${type}`,
        datacontenttype: 'application/json',
        data,
      },
    ],
  );
  const refused = result.EntryList.find((e) => e.ErrorCode);
  if (refused)
    throw new Error(`the bus refused the event: ${refused.ErrorCode} ${refused.ErrorMessage ?? ''}`);
  return { id, token: clientToken('event', eventKey(CLI_SOURCE, id)) };
}
