/**
 * Credentials for cloud calls: the function role's temporary keys from the FC context (read on every
 * invocation: they rotate), else the ALIBABA_CLOUD_* environment that FC and the CLI set. Never from files.
 */
export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface ContextWithCredentials {
  credentials?: { accessKeyId?: string; accessKeySecret?: string; securityToken?: string } | null;
}

export class MissingCredentialsError extends Error {
  override readonly name = 'MissingCredentialsError';
  constructor() {
    super(
      'no cloud credentials: give the function a role (FC passes its keys in context.credentials) or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    );
  }
}

export function resolveCredentials(
  context?: ContextWithCredentials | null,
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  const fromContext = context?.credentials;
  if (fromContext?.accessKeyId && fromContext.accessKeySecret) {
    return {
      accessKeyId: fromContext.accessKeyId,
      accessKeySecret: fromContext.accessKeySecret,
      ...(fromContext.securityToken ? { securityToken: fromContext.securityToken } : {}),
    };
  }
  const accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  if (accessKeyId && accessKeySecret) {
    const securityToken = env.ALIBABA_CLOUD_SECURITY_TOKEN;
    return { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
  }
  throw new MissingCredentialsError();
}

/** The values that must never leave the process in a log line, error or event. */
export function secretsOf(credentials: Credentials): string[] {
  return [credentials.accessKeySecret, credentials.securityToken].filter((s): s is string => Boolean(s));
}
