// The no-op provider of the "noop+out" floor (`npm run bench -- --floor-outputs`): it stores the inputs
// and adds values of the same kinds as the outputs pulumi-wacht documents, calling nothing. scripts/bench.mjs
// installs it as the package `bench-noop-outputs`, so state holds it as a `require` of that package.
const stamp = () => new Date().toISOString();

function documented(inputs) {
  if ("url" in inputs) {
    return {
      endpointId: "101918880515002759",
      headerNames: [],
      isActive: true,
      failureCount: 0,
      autoDisabled: false,
    };
  }
  if ("events" in inputs) return { archivedEvents: [] };
  return { signingSecret: `whsec_${"x".repeat(43)}` };
}

module.exports = {
  async create(inputs) {
    const id = inputs.slug ?? require("node:crypto").randomUUID();
    return { id, outs: { ...inputs, ...documented(inputs), createdAt: stamp(), updatedAt: stamp() } };
  },
  async update(_id, olds, news) {
    const { __provider: _, ...live } = olds;
    return { outs: { ...live, ...news, updatedAt: stamp() } };
  },
  async delete() {},
};
