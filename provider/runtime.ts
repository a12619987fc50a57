/**
 * The implementations the serialized thin providers (loader.ts) require by package name,
 * `pulumi-wacht/runtime`. Not for programs: use the resource classes.
 */
import { appImplementation } from "./app/provider";
import { appEndpointsImplementation } from "./app-endpoints/provider";
import { catalogImplementation } from "./catalog/provider";
import { entries } from "./dispatch";
import { endpointImplementation } from "./endpoint/provider";

export const app = entries(appImplementation);
export const appEndpoints = entries(appEndpointsImplementation);
export const catalog = entries(catalogImplementation);
export const endpoint = entries(endpointImplementation);
