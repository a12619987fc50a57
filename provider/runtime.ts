/**
 * The implementations the serialized thin providers (loader.ts) require by package name,
 * `pulumi-wacht/runtime`. Not for programs: use the resource classes.
 */
export { appImplementation as app } from "./app/provider";
export { appEndpointsImplementation as appEndpoints } from "./app-endpoints/provider";
export { catalogImplementation as catalog } from "./catalog/provider";
export { endpointImplementation as endpoint } from "./endpoint/provider";
