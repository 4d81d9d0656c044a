// Types of the module scripts/build-wasm.mjs generates beside this file (kernels.ts, not committed):
// this declaration lets the package typecheck before the kernels are built.
export declare const KERNELS_SHARED_BASE64: string;
export declare const KERNELS_SINGLE_BASE64: string;
export declare const KERNELS_SHARED_RELAXED_BASE64: string;
export declare const KERNELS_SINGLE_RELAXED_BASE64: string;
export declare const KERNELS_SHARED_RELAXED_VNNI_BASE64: string;
export declare const KERNELS_SINGLE_RELAXED_VNNI_BASE64: string;
export declare const DOT_ADD_PROBE_BASE64: string;
