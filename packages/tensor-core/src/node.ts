/** Node-only helpers of `@llamats/tensor-core` (the main entry runs in browsers too). */
export { type BandwidthOptions, measureBandwidth } from './node/bandwidth.js';
