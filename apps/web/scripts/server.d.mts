export interface StaticServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}
export declare function serveStatic(
  root: string,
  options?: { host?: string; port?: number; isolated?: boolean },
): Promise<StaticServer>;
