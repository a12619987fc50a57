// The root Pulumi project (Pulumi.yaml) runs the quick start example.
export * from "./examples/quickstart";
