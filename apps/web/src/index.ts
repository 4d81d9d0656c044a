export { type BrowserCapabilities, planWebBackend, type WebBackendPlan } from './plan-backend.js';
