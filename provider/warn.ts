/** Warnings to the person running Pulumi, and the client of the engine's Log service they go to. */

/**
 * Warns the person running Pulumi. The dynamic-provider host has no logging API, so the warning goes
 * to the engine's Log service, whose address the host process was started with. Without an engine
 * (tests), it goes to stderr. (`pulumi preview --refresh` shows no diagnostics of its reads at all; the
 * refreshed outputs it prints carry the same news.)
 */
export async function warn(message: string): Promise<void> {
  const engine = engineLog();
  if (engine) {
    const delivered = await new Promise<boolean>((resolve) => {
      const request = new engine.proto.LogRequest();
      request.setSeverity(engine.proto.LogSeverity.WARNING);
      request.setMessage(message);
      engine.client.log(request, (error: unknown) => resolve(!error));
    });
    if (delivered) return;
  }
  process.stderr.write(`warning: ${message}\n`);
}

interface EngineLog {
  client: { log(request: unknown, callback: (error: unknown) => void): void };
  proto: {
    LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void };
    LogSeverity: { WARNING: number };
  };
}

let engine: EngineLog | null | undefined;

/** A client of the engine that started this provider process, or null when there is none. */
function engineLog(): EngineLog | null {
  if (engine !== undefined) return engine;
  engine = null;
  // The host's first argument is the engine's address (`127.0.0.1:<port>`).
  const address = process.argv[2];
  if (!address || !/^[\w.[\]:-]+:\d+$/.test(address)) return engine;
  try {
    const pulumiDir = require.resolve("@pulumi/pulumi");
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
    const services = require("@pulumi/pulumi/proto/engine_grpc_pb");
    const proto = require("@pulumi/pulumi/proto/engine_pb");
    engine = { client: new services.EngineClient(address, grpc.credentials.createInsecure()), proto };
  } catch {
    engine = null;
  }
  return engine;
}
