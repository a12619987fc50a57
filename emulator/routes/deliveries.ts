import type { Route } from "../context";

export const deliveryRoutes: Route[] = [];
