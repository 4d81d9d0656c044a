export declare const defaultOutdir: string;
export declare const demoModel: string;
export declare function buildPage(options?: { outdir?: string; minify?: boolean }): Promise<string>;
