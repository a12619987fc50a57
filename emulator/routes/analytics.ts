import type { Route } from "../context";

export const analyticsRoutes: Route[] = [];
