/** The trigger dashboard: a request handler to mount in your server (see docs/dashboard.md). */
export { createDashboard, DashboardOptionsSchema, type DashboardHandler, type DashboardOptions } from './handler';
export { DASHBOARD_ACTIONS, readOnly, type ActionLogEntry, type Authorize, type DashboardAction } from './access';
export { fromLoopback, serveDashboard, type ServedDashboard } from './serve';
