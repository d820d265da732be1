// @alicloud/fc2 ships no types; this is the part mirrorflow's local cloud uses.
declare module '@alicloud/fc2' {
  interface FCClientConfig {
    accessKeyID: string;
    accessKeySecret: string;
    securityToken?: string;
    region: string;
    endpoint?: string;
    timeout?: number;
    secure?: boolean;
    internal?: boolean;
    headers?: Record<string, string>;
  }
  interface FCResponse {
    headers: Record<string, string | undefined>;
    data: unknown;
  }
  class FCClient {
    constructor(accountId: string, config: FCClientConfig);
    invokeFunction(
      serviceName: string,
      functionName: string,
      event: string | Buffer,
      headers?: Record<string, string>,
      qualifier?: string,
      opts?: Record<string, unknown>,
    ): Promise<FCResponse>;
    static getSignature(
      accessKeyID: string,
      accessKeySecret: string,
      method: string,
      path: string,
      headers: Record<string, unknown>,
      queries?: Record<string, unknown> | null,
    ): string;
  }
  export = FCClient;
}
