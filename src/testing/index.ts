/** Test helpers (the `./testing` entry). */
export { startTemporalStack } from '../devstack/temporal-server';
