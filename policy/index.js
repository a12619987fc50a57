// The pack's entry point. The rules are TypeScript compiled with the package (provider/policy ->
// dist/policy); `@pulumi/policy` is a dependency of pulumi-wacht, so it resolves from the node_modules
// that holds this folder.
require("../dist/policy/pack").createPolicyPack();
