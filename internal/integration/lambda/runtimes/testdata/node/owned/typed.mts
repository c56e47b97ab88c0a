// Bundled into the cache, this handler must still resolve @aws-sdk/* from its own project.
import { source } from '@aws-sdk/client-apigatewaymanagementapi';

export const handler = async (): Promise<{ source: string }> => ({ source });
